package app

import (
	"testing"

	"github.com/fledgling-ai/fledgling/internal/config"
	"github.com/fledgling-ai/fledgling/trainer"
)

func TestCandidateOverlayAddsTrainedModelsWithoutTouchingTheFileConfig(t *testing.T) {
	cfg, err := config.Parse([]byte(`
auth: {mode: none}
providers: {big: {base_url: "http://127.0.0.1:1/v1"}, vllm: {base_url: "http://127.0.0.1:2/v1", lora: {runtime_load: true}}}
models:
  gpt-4o: {provider: big}
  small: {provider: vllm, self_hosted: {gpu_hour_usd: 1.2, tokens_per_second: 2500}}
routes:
  - name: r
    match: {models: [gpt-4o]}
    primary: gpt-4o
    candidates: [{model: small, version: v1, sample_rate: 0.5, promotion: {thresholds: {tool_call: 0.9}, min_samples: 7}}]
`))
	if err != nil {
		t.Fatal(err)
	}
	o := &candidateOverlay{}
	same, err := o.apply(cfg)
	if err != nil || same != cfg {
		t.Fatalf("empty overlay must return the config itself: %v", err)
	}
	nc := trainer.NewCandidate{Route: "r", Version: "ft1", PublicModel: "r-ft1", UpstreamModel: "r-ft1", Provider: "vllm"}
	o.add(nc)
	o.add(nc) // idempotent
	o.add(trainer.NewCandidate{Route: "gone", Version: "ft2", PublicModel: "gone-ft2", Provider: "vllm"})
	out, err := o.apply(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Routes[0].Candidates) != 1 || len(cfg.Models) != 2 {
		t.Fatalf("the file's config was modified: %+v", cfg.Routes[0].Candidates)
	}
	cands := out.Routes[0].Candidates
	if len(cands) != 2 || cands[1].Model != "r-ft1" || cands[1].Version != "ft1" || cands[1].SampleRate != 0.5 ||
		cands[1].Promotion.MinSamples != 7 || cands[1].Promotion.Thresholds["tool_call"] != 0.9 {
		t.Fatalf("overlaid candidates: %+v", cands)
	}
	m, ok := out.Models["r-ft1"]
	if !ok || m.Provider != "vllm" || m.Model != "r-ft1" || m.SelfHosted == nil || m.SelfHosted.GPUHourUSD != 1.2 {
		t.Fatalf("overlaid model: %+v", m)
	}
	if _, ok := out.Models["gone-ft2"]; ok {
		t.Fatal("a candidate of an unknown route must not add a model")
	}
}
