package router

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/fledgling-ai/fledgling/internal/config"
)

func testConfig(t testing.TB, yaml string) *config.Config {
	t.Helper()
	base := `
auth: {mode: none}
providers: {p: {type: openai, base_url: "http://127.0.0.1:1/v1"}}
models: {big: {provider: p}, mini: {provider: p}, small: {provider: p}, tiny: {provider: p}, other: {provider: p}}
`
	cfg, err := config.Parse([]byte(base + yaml))
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	return cfg
}

func models(ts []Target) string {
	var s []string
	for _, t := range ts {
		m := t.Model
		if t.Candidate {
			m += "*"
		}
		s = append(s, m)
	}
	return strings.Join(s, ",")
}

func TestStrategiesAndConditions(t *testing.T) {
	cfg := testConfig(t, `
routes:
  - name: by-header
    match: {models: [big], headers: {x-team: red}}
    primary: mini
  - name: by-key
    match: {keys: [k1]}
    primary: small
    fallbacks: [big]
  - name: by-meta
    match: {metadata: {tier: free}}
    primary: tiny
  - name: fallback
    match: {models: [big]}
    primary: big
    fallbacks: [mini, small]
  - name: nested
    match: {models: [other]}
    primary: big
    fallbacks: [tiny]
    split:
      - {model: big, weight: 1, fallbacks: [mini]}
      - {model: small, weight: 1, fallbacks: [big]}
`)
	tab, err := Compile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	hdr := func(v string) func(string) string {
		return func(n string) string {
			if n == "x-team" {
				return v
			}
			return ""
		}
	}
	cases := []struct {
		req         Request
		route, want string
	}{
		{Request{Model: "big", Header: hdr("red")}, "by-header", "mini"},
		{Request{Model: "big", Header: hdr("blue")}, "fallback", "big,mini,small"},
		{Request{Model: "mini", KeyID: "k1"}, "by-key", "small,big"},
		{Request{Model: "mini", Metadata: map[string]string{"tier": "free"}}, "by-meta", "tiny"},
		{Request{Model: "big", KeyID: "k1"}, "by-key", "small,big"},
	}
	for _, c := range cases {
		d, err := tab.Decide(&c.req)
		if err != nil || d.Route != c.route || models(d.Targets) != c.want {
			t.Errorf("%+v: got route %q targets %q err %v; want %q %q", c.req, d.Route, models(d.Targets), err, c.route, c.want)
		}
	}
	seen := map[string]bool{}
	for i := 0; i < 200; i++ {
		d, _ := tab.Decide(&Request{Model: "other", User: fmt.Sprint("u", i)})
		seen[models(d.Targets)] = true
	}
	if !seen["big,mini,tiny"] || !seen["small,big,tiny"] || len(seen) != 2 {
		t.Errorf("nested split target lists = %v; want each share with its own then the route's fallbacks", seen)
	}
	if _, err := tab.Decide(&Request{Model: "nope"}); !errors.Is(err, ErrUnknownModel) {
		t.Errorf("unknown model: err %v", err)
	}
	if d, err := tab.Decide(&Request{Model: "tiny"}); err != nil || models(d.Targets) != "tiny" || d.Route != "" {
		t.Errorf("direct model entry: %+v %v", d, err)
	}
}

func TestWeightedSplitSharesWithinTolerance(t *testing.T) {
	cfg := testConfig(t, `
routes:
  - name: split
    match: {models: [big]}
    primary: big
    sticky: request_id
    split: [{model: big, weight: 70}, {model: mini, weight: 20}, {model: small, weight: 10}]
`)
	tab, _ := Compile(cfg)
	const n = 5000
	counts := map[string]int{}
	for i := 0; i < n; i++ {
		d, _ := tab.Decide(&Request{Model: "big", RequestID: fmt.Sprintf("req-%d", i)})
		counts[d.Targets[0].Model]++
	}
	// Chi-square goodness of fit, 2 degrees of freedom: 13.8 is the 0.999 quantile.
	want := map[string]float64{"big": .7, "mini": .2, "small": .1}
	chi := 0.0
	for m, p := range want {
		e := p * n
		chi += (float64(counts[m]) - e) * (float64(counts[m]) - e) / e
	}
	t.Logf("observed shares over %d decisions: big %.3f mini %.3f small %.3f (chi2 %.2f)", n,
		float64(counts["big"])/n, float64(counts["mini"])/n, float64(counts["small"])/n, chi)
	if chi > 13.8 {
		t.Fatalf("split shares %v deviate from 70/20/10 (chi2 %.1f > 13.8)", counts, chi)
	}
}

const candCfg = `
routes:
  - name: r
    match: {models: [big]}
    primary: big
    fallbacks: [mini]
    candidates:
      - {model: small, version: v2, sample_rate: 0.25}
      - {model: tiny, sample_rate: 0.5}
`

func TestShadowStageByDefault(t *testing.T) {
	tab, _ := Compile(testConfig(t, candCfg))
	d, _ := tab.Decide(&Request{Model: "big", User: "u"})
	if d.Stage != StageShadow || models(d.Targets) != "big,mini" || len(d.Shadows) != 2 ||
		d.Shadows[0] != (Shadow{Model: "small", Version: "v2", Rate: 0.25}) || d.Shadows[1].Model != "tiny" {
		t.Fatalf("decision %+v", d)
	}
}

func TestCanaryShareIsStickyAndMonotone(t *testing.T) {
	base, _ := Compile(testConfig(t, candCfg))
	served := func(share float64, stage string) map[string]bool {
		st := State{Routes: map[string][]CandidateState{"r": {{Model: "small", Version: "v2", Stage: stage, Step: 2, Share: share, ReverseShadowRate: 0.1}}}}
		tab, err := base.WithState(st)
		if err != nil {
			t.Fatal(err)
		}
		users := map[string]bool{}
		for i := 0; i < 2000; i++ {
			u := fmt.Sprint("user-", i)
			d, _ := tab.Decide(&Request{Model: "big", User: u, RequestID: fmt.Sprint(i)})
			again, _ := tab.Decide(&Request{Model: "big", User: u, RequestID: "other"})
			if d.Targets[0] != again.Targets[0] {
				t.Fatalf("user %s flipped between %v and %v", u, d.Targets[0], again.Targets[0])
			}
			if d.Targets[0].Candidate {
				users[u] = true
				if models(d.Targets) != "small*,big,mini" || len(d.Shadows) != 1 || !d.Shadows[0].Reverse || d.Shadows[0].Model != "big" || d.Shadows[0].Rate != 0.1 {
					t.Fatalf("candidate-served decision %+v", d)
				}
			} else if len(d.Shadows) != 2 {
				t.Fatalf("primary-served decision during canary must still mirror both candidates: %+v", d)
			}
			if stage == StageCanary && d.Stage != "canary-2" {
				t.Fatalf("stage %q", d.Stage)
			}
		}
		return users
	}
	five, twentyFive := served(0.05, StageCanary), served(0.25, StageCanary)
	for u := range five {
		if !twentyFive[u] {
			t.Fatalf("user %s served by the candidate at 5%% but not at 25%%", u)
		}
	}
	if f := float64(len(twentyFive)) / 2000; math.Abs(f-0.25) > 0.04 {
		t.Fatalf("25%% canary served %.3f of users", f)
	}
	if all := served(1, StagePromoted); len(all) != 2000 {
		t.Fatalf("promoted served %d of 2000", len(all))
	}
}

func TestRolledBackIsNeitherServedNorMirrored(t *testing.T) {
	base, _ := Compile(testConfig(t, candCfg))
	tab, _ := base.WithState(State{Routes: map[string][]CandidateState{"r": {
		{Model: "small", Version: "v2", Stage: StageRolledBack}, {Model: "tiny", Version: "v1", Stage: StageRolledBack}}}})
	d, _ := tab.Decide(&Request{Model: "big", User: "u"})
	if d.Stage != StageRolledBack || len(d.Shadows) != 0 || models(d.Targets) != "big,mini" {
		t.Fatalf("decision %+v", d)
	}
	// A different version of the same model is a new candidate: in shadow.
	tab, _ = base.WithState(State{Routes: map[string][]CandidateState{"r": {{Model: "small", Version: "v1", Stage: StageRolledBack}}}})
	if d, _ := tab.Decide(&Request{Model: "big"}); len(d.Shadows) != 2 || d.Stage != StageShadow {
		t.Fatalf("other version: %+v", d)
	}
}

type constScorer float32

func (c constScorer) Score(f []float32) (float32, error) {
	if len(f) == 0 {
		return 0, errors.New("no features")
	}
	return float32(c) * f[0], nil
}

func TestLearnedPolicy(t *testing.T) {
	cfg := testConfig(t, `
learned_routing: {models: {r: {path: x.onnx, threshold: 0.5, candidate: tiny}}}
routes:
  - name: r
    match: {models: [big]}
    primary: big
    policy: learned
    candidates: [{model: small}, {model: tiny}]
`)
	feat := func(v float32) func() []float32 { return func() []float32 { return []float32{v} } }
	noScorer, _ := Compile(cfg)
	if d, _ := noScorer.Decide(&Request{Model: "big", Features: feat(1)}); d.Targets[0].Candidate || len(d.Shadows) != 2 {
		t.Fatalf("without a scorer the route must behave as shadow: %+v", d)
	}
	tab, err := CompileWith(cfg, Options{Scorers: map[string]Scorer{"r": constScorer(1)}})
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := tab.Decide(&Request{Model: "big", Features: feat(0.9)}); models(d.Targets) != "tiny*,big" {
		t.Fatalf("score 0.9 ≥ 0.5: %+v", d)
	}
	if d, _ := tab.Decide(&Request{Model: "big", Features: feat(0.1)}); models(d.Targets) != "big" {
		t.Fatalf("score 0.1 < 0.5: %+v", d)
	}
	if d, _ := tab.Decide(&Request{Model: "big", Features: func() []float32 { return []float32{} }}); models(d.Targets) != "big" {
		t.Fatalf("scorer error must keep the primary: %+v", d)
	}
}

func TestDecideDoesNotAllocate(t *testing.T) {
	tab := bigTable(t, 1000)
	req := &Request{Model: "m-777", User: "alice"}
	allocs := testing.AllocsPerRun(100, func() { _, _ = tab.Decide(req) })
	if allocs != 0 {
		t.Fatalf("Decide allocates %.1f times per call", allocs)
	}
	d, _ := tab.Decide(req)
	if d.Route != "route-777" {
		t.Fatalf("route %q", d.Route)
	}
}

func TestStateOfRemovedCandidateIsIgnored(t *testing.T) {
	base, _ := Compile(testConfig(t, candCfg))
	tab, _ := base.WithState(State{Routes: map[string][]CandidateState{"r": {{Model: "other", Version: "v1", Stage: StagePromoted, Share: 1}}}})
	if d, _ := tab.Decide(&Request{Model: "big", User: "u"}); d.Targets[0].Candidate || d.Stage != StageShadow {
		t.Fatalf("a candidate removed from the config still serves: %+v", d)
	}
}
