package costs

import (
	"testing"

	"github.com/fledgling-ai/fledgling/internal/openai"
)

// usage builds a Usage; -1 means absent.
func usage(in, out, cached, write, reasoning int64) openai.Usage {
	c := func(n int64) openai.Count {
		if n < 0 {
			return openai.Count{}
		}
		return openai.Some(n)
	}
	return openai.Usage{Input: c(in), Output: c(out), CachedInput: c(cached), CacheWrite: c(write), Reasoning: c(reasoning)}
}

func TestRatesCost(t *testing.T) {
	// gpt-4o: $2.50 in, $10 out, $1.25 cached read per million tokens.
	gpt4o := Rates{Input: some(2_500_000), Output: some(10_000_000), CacheRead: some(1_250_000)}
	// claude-sonnet-4: $3 in, $15 out, $0.30 cache read, $3.75 cache write.
	sonnet := Rates{Input: some(3_000_000), Output: some(15_000_000), CacheRead: some(300_000), CacheWrite: some(3_750_000)}
	// a reasoning model with its own reasoning price: $1 in, $4 out, $8 reasoning.
	reasoner := Rates{Input: some(1_000_000), Output: some(4_000_000), Reasoning: some(8_000_000)}
	// o3-style: reasoning billed as output (no reasoning price).
	o3 := Rates{Input: some(2_000_000), Output: some(8_000_000), CacheRead: some(500_000)}
	// embeddings: $0.02 in, $0 out.
	embed := Rates{Input: some(20_000), Output: some(0)}
	inputOnly := Rates{Input: some(20_000)}
	mini := Rates{Input: some(150_000), Output: some(600_000)} // gpt-4o-mini

	tests := []struct {
		name   string
		r      Rates
		u      openai.Usage
		want   int64
		priced bool
	}{
		// 1000 × 2.5 + 500 × 10 = 2500 + 5000 = 7500 µ$
		{"plain input and output", gpt4o, usage(1000, 500, -1, -1, -1), 7500, true},
		// 800 uncached × 2.5 + 200 cached × 1.25 + 500 × 10 = 2000 + 250 + 5000 = 7250 µ$
		// (not 7500 + 250: cached tokens are not billed again as input)
		{"cached input billed at its rate, not also as input", gpt4o, usage(1000, 500, 200, -1, -1), 7250, true},
		// cached absent ≠ 0 cached but bills the same: all 1000 at input rate = 7500 µ$
		{"cached absent means not broken out", gpt4o, usage(1000, 500, -1, -1, -1), 7500, true},
		// 1000 plain × 3 + 2000 read × 0.30 + 500 write × 3.75 + 100 × 15
		// = 3000 + 600 + 1875 + 1500 = 6975 µ$  (input total 3500 includes both buckets)
		{"cache reads and writes at their rates", sonnet, usage(3500, 100, 2000, 500, -1), 6975, true},
		// cache write with no write price: billed at input. 500 × 2.5 + 500 × 2.5 = 2500 µ$
		{"cache write falls back to input rate", gpt4o, usage(1000, 0, -1, 500, -1), 2500, true},
		// 100 × 1 + (300 − 200) × 4 + 200 × 8 = 100 + 400 + 1600 = 2100 µ$
		// (output 300 already includes the 200 reasoning tokens)
		{"reasoning at its own rate without double counting", reasoner, usage(100, 300, -1, -1, 200), 2100, true},
		// no reasoning price: all 300 output × 8 + 100 × 2 = 2400 + 200 = 2600 µ$
		{"reasoning billed as output when no reasoning price", o3, usage(100, 300, -1, -1, 200), 2600, true},
		// embeddings report no completion tokens and output costs 0: 10000 × 0.02 = 200 µ$
		{"embedding with absent output", embed, usage(10000, -1, -1, -1, -1), 200, true},
		{"output absent but model charges for output", gpt4o, usage(1000, -1, -1, -1, -1), 0, false},
		{"input absent but model charges for input", gpt4o, usage(-1, 500, -1, -1, -1), 0, false},
		{"no usage at all is unknown, not zero", gpt4o, usage(-1, -1, -1, -1, -1), 0, false},
		{"reported output with no output price", inputOnly, usage(10, 5, -1, -1, -1), 0, false},
		// zero output with no output price is fine: 10 × 0.02 = 0.2 µ$ → 0 (rounded half up)
		{"zero output with no output price", inputOnly, usage(10, 0, -1, -1, -1), 0, true},
		// 3 × 0.15 + 1 × 0.6 = 0.45 + 0.6 = 1.05 µ$ → 1 (one rounding per call, not per class)
		{"rounded once per call", mini, usage(3, 1, -1, -1, -1), 1, true},
		// 10 × 0.15 = 1.5 µ$ → 2 (half up)
		{"half rounds up", mini, usage(10, 0, -1, -1, -1), 2, true},
		// cached 5000 > input 1000 clamps to 1000: 1000 × 1.25 + 0 = 1250 µ$
		{"cached larger than input is clamped", gpt4o, usage(1000, 0, 5000, -1, -1), 1250, true},
		// reasoning 900 > output 300 clamps to 300: 300 × 8 = 2400 µ$
		{"reasoning larger than output is clamped", reasoner, usage(0, 300, -1, -1, 900), 2400, true},
		// negative counts count as 0: 0 + 100 × 10 = 1000 µ$
		{"negative counts count as zero", gpt4o, openai.Usage{Input: openai.Some(-3), Output: openai.Some(100)}, 1000, true},
		// 1M in × 2.5 + 1M out × 10 = 2.5M + 10M = 12.5M µ$ = $12.50
		{"a million tokens each", gpt4o, usage(1_000_000, 1_000_000, -1, -1, -1), 12_500_000, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, priced := tt.r.Cost(tt.u)
			if got != tt.want || priced != tt.priced {
				t.Fatalf("Cost = %d, %v; want %d, %v", got, priced, tt.want, tt.priced)
			}
		})
	}
}
