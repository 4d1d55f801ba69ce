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
