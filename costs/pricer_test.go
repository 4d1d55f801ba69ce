package costs

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/fledgling-ai/fledgling/internal/capture"
	"github.com/fledgling-ai/fledgling/internal/config"
)

func f(v float64) *float64 { return &v }

func testConfig(t *testing.T, catalogueFile string) *config.Config {
	t.Helper()
	return &config.Config{
		Costs: config.Costs{CatalogueFile: catalogueFile},
		Providers: map[string]config.Provider{
			"openai": {Type: "openai"}, "gemini": {Type: "openai"}, "vllm": {Type: "openai"}, "corp": {Type: "azure"},
		},
		Models: map[string]config.Model{
			"big":       {Provider: "openai", Model: "gpt-4o"},
			"flash":     {Provider: "gemini", Model: "gemini-2.5-flash"},
			"discount":  {Provider: "openai", Model: "gpt-4o", Pricing: &config.Pricing{InputPerMTok: f(1.0)}},
			"custom":    {Provider: "corp", Model: "in-house-7b", Pricing: &config.Pricing{InputPerMTok: f(0.5), OutputPerMTok: f(1.5)}},
			"small-gpu": {Provider: "vllm", Model: "qwen2.5-7b", SelfHosted: &config.SelfHosted{GPUHourUSD: 2.0, TokensPerSecond: 1000}},
			"small-mt":  {Provider: "vllm", Model: "qwen2.5-3b", SelfHosted: &config.SelfHosted{PerMTokUSD: f(0.05)}},
			"mystery":   {Provider: "vllm", Model: "never-heard-of-it"},
			"*":         {Provider: "openai"},
		},
	}
}

func TestPricerResolvesPublicNames(t *testing.T) {
	p, err := NewPricer(testConfig(t, ""))
	if err != nil {
		t.Fatal(err)
	}
	u := usage(1000, 500, -1, -1, -1)
	tests := []struct {
		model  string
		want   int64
		priced bool
	}{
		// "big" → upstream gpt-4o: 1000 × 2.5 + 500 × 10 = 7500 µ$
		{"big", 7500, true},
		// "flash" → gemini-2.5-flash found as "gemini/gemini-2.5-flash": 1000 × 0.30 + 500 × 2.50 = 300 + 1250 = 1550 µ$
		{"flash", 1550, true},
		// override of input only on top of gpt-4o: 1000 × 1.0 + 500 × 10 = 6000 µ$
		{"discount", 6000, true},
		// config-only price: 1000 × 0.5 + 500 × 1.5 = 500 + 750 = 1250 µ$
		{"custom", 1250, true},
		// $2/h ÷ 3600 s ÷ 1000 tok/s = $0.000000555… per token = 555,556 µ$/Mtok (rounded);
		// 1500 tokens × 0.555556 µ$ = 833.334 µ$ → 833
		{"small-gpu", 833, true},
		// $0.05 per Mtok = 0.05 µ$ per token; × 1500 tokens = 75 µ$
		{"small-mt", 75, true},
		{"mystery", 0, false},
		// unlisted name forwarded by "*": gpt-4o-mini from the catalogue: 1000 × 0.15 + 500 × 0.6 = 150 + 300 = 450 µ$
		{"gpt-4o-mini", 450, true},
		{"not-a-model-anywhere", 0, false},
	}
	for _, tt := range tests {
		got, priced := p.Cost(tt.model, u)
		if got != tt.want || priced != tt.priced {
			t.Errorf("Cost(%q) = %d, %v; want %d, %v", tt.model, got, priced, tt.want, tt.priced)
		}
	}
}

func TestCatalogueFileOverlaysEmbedded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "prices.json")
	// LiteLLM schema; gpt-4o repriced, a new model added, an odd entry ignored.
	os.WriteFile(path, []byte(`{
	  "sample_spec": {"input_cost_per_token": 0},
	  "gpt-4o": {"input_cost_per_token": 0.000001, "output_cost_per_token": 0.000002, "litellm_provider": "openai", "mode": "chat"},
	  "vllm/never-heard-of-it": {"input_cost_per_token": 1e-7, "output_cost_per_token": 3e-7, "mode": "chat"},
	  "dall-e-3": {"output_cost_per_image": 0.04, "mode": "image_generation"}
	}`), 0o644)
	p, err := NewPricer(testConfig(t, path))
	if err != nil {
		t.Fatal(err)
	}
	u := usage(1000, 500, -1, -1, -1)
	// gpt-4o from the file: 1000 × 1 + 500 × 2 = 2000 µ$
	if got, ok := p.Cost("big", u); got != 2000 || !ok {
		t.Errorf("big = %d, %v; want 2000 from the file", got, ok)
	}
	// provider-prefixed key: 1000 × 0.1 + 500 × 0.3 = 100 + 150 = 250 µ$
	if got, ok := p.Cost("mystery", u); got != 250 || !ok {
		t.Errorf("mystery = %d, %v; want 250 via vllm/never-heard-of-it", got, ok)
	}
	if p.Catalogue().Date == "" {
		t.Error("the embedded catalogue must carry its date")
	}

	os.WriteFile(path, []byte(`{"x": {"input_cost_per_token": -1}}`), 0o644)
	if _, err := NewPricer(testConfig(t, path)); err == nil {
		t.Error("a negative price must be rejected")
	}
	if _, err := NewPricer(testConfig(t, path+".missing")); err == nil {
		t.Error("a missing catalogue file must be an error, not an empty catalogue")
	}
}

func TestReloadSwapsAtomically(t *testing.T) {
	cfg := testConfig(t, "")
	p, _ := NewPricer(cfg)
	u := usage(1000, 0, -1, -1, -1)
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 2000; j++ {
				// custom costs 1000 × 0.5 = 500 µ$ before, 1000 × 0.7 = 700 after: never anything else.
				if got, _ := p.Cost("custom", u); got != 500 && got != 700 {
					t.Errorf("torn read: %d", got)
					return
				}
			}
		}()
	}
	next := testConfig(t, "")
	next.Models["custom"] = config.Model{Provider: "corp", Model: "in-house-7b", Pricing: &config.Pricing{InputPerMTok: f(0.7), OutputPerMTok: f(1.5)}}
	if err := p.Reload(next); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if got, _ := p.Cost("custom", u); got != 700 {
		t.Fatalf("after reload custom = %d, want 700", got)
	}
	bad := testConfig(t, "/nonexistent/prices.json")
	if err := p.Reload(bad); err == nil {
		t.Fatal("reload with a missing file must fail")
	}
	if got, _ := p.Cost("custom", u); got != 700 {
		t.Fatalf("a failed reload must keep the old table, got %d", got)
	}
}

func TestPriceRecord(t *testing.T) {
	p, _ := NewPricer(testConfig(t, ""))
	rec := &capture.Record{
		PrimaryModel: "big", AnsweringModel: "gpt-4o-mini", Usage: usage(1000, 500, -1, -1, -1),
		Attempts: []capture.Attempt{
			{Model: "big", Status: 500, ErrorClass: "upstream_5xx", Usage: usage(1000, 20, -1, -1, -1)},
			{Model: "gpt-4o-mini", Status: 200, Usage: usage(1000, 500, -1, -1, -1)},
		},
	}
	p.Price(rec)
	// answered by gpt-4o-mini: 1000 × 0.15 + 500 × 0.6 = 450 µ$;
	// at the primary (gpt-4o): 1000 × 2.5 + 500 × 10 = 7500 µ$
	if rec.CostMicros != 450 || !rec.Priced || rec.CounterfactualMicros != 7500 {
		t.Fatalf("cost %d priced %v counterfactual %d; want 450 true 7500", rec.CostMicros, rec.Priced, rec.CounterfactualMicros)
	}
	// failed attempt on gpt-4o with 20 output tokens: 1000 × 2.5 + 20 × 10 = 2700 µ$
	if rec.Attempts[0].CostMicros != 2700 || rec.Attempts[1].CostMicros != 450 {
		t.Fatalf("attempt costs %d, %d; want 2700, 450", rec.Attempts[0].CostMicros, rec.Attempts[1].CostMicros)
	}
	rec = &capture.Record{PrimaryModel: "mystery", AnsweringModel: "gpt-4o-mini", Usage: usage(1000, 500, -1, -1, -1)}
	p.Price(rec)
	if rec.CounterfactualMicros != 0 {
		t.Fatalf("an unpriced primary must leave the counterfactual unknown (0), got %d", rec.CounterfactualMicros)
	}
}
