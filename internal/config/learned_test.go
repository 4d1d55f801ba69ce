package config

import (
	"strings"
	"testing"
)

func TestLearnedRoutingValidation(t *testing.T) {
	base := `
auth: {mode: none}
providers: {p: {type: openai, base_url: "http://127.0.0.1:1/v1"}}
models: {big: {provider: p}, small: {provider: p}}
routes:
  - {name: r, match: {models: [big]}, primary: big, policy: learned, candidates: [{model: small}]}
`
	cfg, err := Parse([]byte(base + `learned_routing: {models: {r: {path: r.onnx, threshold: 0.7}}}`))
	if err != nil {
		t.Fatalf("valid config: %v", err)
	}
	if cfg.Learned.ONNXRuntimePath == "" || len(cfg.Learned.Training.Hidden) != 2 || cfg.Learned.Training.MinPairs != 300 {
		t.Errorf("defaults not set: %+v", cfg.Learned)
	}
	for _, c := range []struct{ yaml, path string }{
		{`learned_routing: {}`, "learned_routing.models"},
		{`learned_routing: {models: {r: {threshold: 0.5}}}`, "learned_routing.models.r.path"},
		{`learned_routing: {models: {r: {path: x, threshold: 3}}}`, "learned_routing.models.r.threshold"},
		{`learned_routing: {models: {r: {path: x}}}`, "learned_routing.models.r.threshold"},
		{`learned_routing: {models: {r: {path: x, threshold: 0.5, candidate: big}}}`, "learned_routing.models.r.candidate"},
		{`learned_routing: {models: {r: {path: x, threshold: 0.5}, nope: {path: y, threshold: 0.5}}}`, "learned_routing.models.nope"},
		{`learned_routing: {models: {r: {path: x, threshold: 0.5}}, training: {hidden: [-1]}}`, "learned_routing.training.hidden[0]"},
	} {
		_, err := Parse([]byte(base + c.yaml))
		if err == nil || !strings.Contains(err.Error(), c.path+":") {
			t.Errorf("%s: want a problem at %s, got %v", c.yaml, c.path, err)
		}
	}
}
