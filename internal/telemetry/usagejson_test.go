package telemetry

import (
	"testing"

	"github.com/fledgling-ai/fledgling/internal/openai"
)

// The hand-written usage and cost JSON must be byte-identical to what
// json.Marshal printed before.
func TestUsageAndCostJSONMatchEncodingJSON(t *testing.T) {
	var none openai.Count
	counts := []openai.Count{none, openai.Some(0), openai.Some(7), openai.Some(1234567), openai.Some(-3)}
	n := 0
	for _, in := range counts {
		for _, out := range counts {
			for _, cached := range counts[:3] {
				for _, reason := range []openai.Count{none, openai.Some(5)} {
					for _, write := range []openai.Count{none, openai.Some(2)} {
						u := openai.Usage{Input: in, Output: out, CachedInput: cached, Reasoning: reason, CacheWrite: write}
						if got, want := usageJSON(u), jsonString(usageDetails(u)); got != want {
							t.Fatalf("usageJSON(%+v) = %s, want %s", u, got, want)
						}
						n++
					}
				}
			}
		}
	}
	for _, micros := range []int64{0, 1, 9, 10, 123, 999999, 1000000, 1234567, 100000000000, 9223372036854775807, -1, -250} {
		if got, want := costJSON(micros), jsonString(map[string]float64{"total": float64(micros) / 1e6}); got != want {
			t.Fatalf("costJSON(%d) = %s, want %s", micros, got, want)
		}
	}
	if n == 0 {
		t.Fatal("no cases")
	}
}

// usageDetails is the reference flattening usageJSON must encode: cached
// and cache-write tokens split out of input, reasoning out of output.
func usageDetails(u openai.Usage) map[string]int64 {
	out := map[string]int64{}
	in, hasIn := u.Input.Get()
	outTok, hasOut := u.Output.Get()
	if n, ok := u.CachedInput.Get(); ok {
		out["input_cached_tokens"] = n
		in -= n
	}
	if n, ok := u.CacheWrite.Get(); ok {
		out["input_cache_creation"] = n
		in -= n
	}
	if n, ok := u.Reasoning.Get(); ok {
		out["output_reasoning_tokens"] = n
		outTok -= n
	}
	if hasIn {
		out["input"] = max(in, 0)
	}
	if hasOut {
		out["output"] = max(outTok, 0)
	}
	out["total"] = u.Input.Or(0) + u.Output.Or(0)
	return out
}
