package costs

import "github.com/fledgling-ai/fledgling/internal/openai"

// Cost prices one call's usage in micro-USD. The rules, each tested in
// cost_test.go with its arithmetic:
//
//   - Usage follows OpenAI semantics: Input includes CachedInput and
//     CacheWrite; Output includes Reasoning.
//   - Cached input is billed at CacheRead (Input when absent) and not also
//     as input; cache writes at CacheWrite (Input when absent).
//   - Reasoning tokens are output: billed at Reasoning when the model has a
//     reasoning price, else at Output, and never counted twice.
//   - Breakdown counts larger than their total are clamped (a malformed
//     payload must not bill negative tokens); negative counts count as 0.
//   - Absent is not zero. With neither Input nor Output reported the usage
//     is unknown and the call is unpriced (false). A token class the model
//     charges for (rate > 0) whose count is absent also makes it unpriced,
//     and so does a non-zero count of a class the model has no price for.
//     Absent breakdowns (cached, cache write, reasoning) mean "not broken
//     out": those tokens are billed in their total.
//   - Σ tokens × rate is in pico-USD; it is rounded half up to micro-USD once
//     per call. (Counts stay below 1e9 tokens per call and rates below
//     $1,000 per million tokens, so the products fit in int64.)
func (r Rates) Cost(u openai.Usage) (micros int64, priced bool) {
	in, inOK := u.Input.Get()
	out, outOK := u.Output.Get()
	if !inOK && !outOK {
		return 0, false
	}
	if !covered(in, inOK, r.Input) || !covered(out, outOK, r.Output) {
		return 0, false
	}
	in, out = max(in, 0), max(out, 0)
	cached := clamp(u.CachedInput.Or(0), in)
	written := clamp(u.CacheWrite.Or(0), in-cached)
	pico := (in-cached-written)*r.Input.V +
		cached*r.CacheRead.or(r.Input).V +
		written*r.CacheWrite.or(r.Input).V
	if r.Reasoning.OK {
		reasoning := clamp(u.Reasoning.Or(0), out)
		pico += (out-reasoning)*r.Output.V + reasoning*r.Reasoning.V
	} else {
		pico += out * r.Output.V
	}
	return roundMicros(pico), true
}

// covered reports whether a token class can be billed: a present count needs
// a price unless it is zero; an absent count is fine only if it would cost
// nothing anyway.
func covered(n int64, present bool, rate Rate) bool {
	if !present {
		return !rate.OK || rate.V == 0
	}
	return rate.OK || n <= 0
}

func clamp(n, hi int64) int64 { return min(max(n, 0), max(hi, 0)) }

// roundMicros rounds pico-USD half up to micro-USD.
func roundMicros(pico int64) int64 { return (pico + 500_000) / 1_000_000 }
