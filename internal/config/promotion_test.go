package config

import (
	"errors"
	"strings"
	"testing"
)

func TestPromotionValidationExplainsEachProblem(t *testing.T) {
	_, err := Parse([]byte(`
auth: {mode: none}
providers: {p: {type: openai, base_url: "http://127.0.0.1:1/v1"}}
models: {big: {provider: p}, small: {provider: p}}
routes:
  - name: r
    match: {models: [big]}
    primary: big
    sticky: cookie
    evaluators: [json_valid]
    policy: learned
    candidates:
      - model: small
        promotion:
          thresholds: {tool_call: 0.95, json_valid: 0.99}
          hard_gates: [json_valid, json_valid]
          min_samples: -1
          failures_before_rollback: -2
          demotion_margin: 0.99
          max_error_rate_increase: 2
          min_net_savings_usd: -5
          steps: [5, 1]
learned_routing: {models: {r: {path: x.onnx, threshold: 0.5}}}
`))
	var ps Problems
	if !errors.As(err, &ps) {
		t.Fatalf("want Problems, got %v", err)
	}
	all := ps.Error()
	for _, want := range []string{
		"routes[0].sticky: must be user, session, request_id or header:NAME",
		"routes[0].candidates[0].promotion.thresholds.tool_call: evaluator \"tool_call\" is not in the route's evaluators",
		"routes[0].candidates[0].promotion.hard_gates: lists \"json_valid\" twice",
		"routes[0].candidates[0].promotion.min_samples: must be at least 1",
		"routes[0].candidates[0].promotion.failures_before_rollback: must be at least 1",
		"routes[0].candidates[0].promotion.demotion_margin: must be within [0, 0.99)",
		"routes[0].candidates[0].promotion.max_error_rate_increase: is an absolute error-rate difference",
		"routes[0].candidates[0].promotion.min_net_savings_usd: must not be negative",
		"routes[0].candidates[0].promotion.steps: must be increasing",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("missing problem %q in:\n%s", want, all)
		}
	}
}

func TestDefaultPromotionIsValid(t *testing.T) {
	_, err := Parse([]byte(`
auth: {mode: none}
providers: {p: {type: openai, base_url: "http://127.0.0.1:1/v1"}}
models: {big: {provider: p}, small: {provider: p}}
routes:
  - {name: r, match: {models: [big]}, primary: big, candidates: [{model: small, promotion: {thresholds: {tool_call: 0.95}}}]}
`))
	if err != nil {
		t.Fatal(err)
	}
}
