package costs

import (
	"math"

	"github.com/fledgling-ai/fledgling/internal/config"
)

// Rate is a price in integer micro-USD per million tokens, which is also
// pico-USD per token: $2.50 per million tokens is Rate 2_500_000. ok is false
// when the price is absent, which differs from a price of zero.
type Rate struct {
	V  int64
	OK bool
}

func some(v int64) Rate { return Rate{V: v, OK: true} }

// or returns r, or def when r is absent.
func (r Rate) or(def Rate) Rate {
	if r.OK {
		return r
	}
	return def
}

// Rates is the price of one model for each token class.
type Rates struct {
	Input, Output         Rate
	CacheRead, CacheWrite Rate // absent: billed at Input
	Reasoning             Rate // absent: billed at Output
	// Source says where the price came from: "catalogue:<key>", "config",
	// "config+catalogue:<key>", "self_hosted".
	Source string
}

// perToken converts a USD-per-token price to a Rate, rounding to the nearest
// micro-USD per million tokens (exact for any price quoted with up to six
// decimals in USD per million tokens).
func perToken(p *float64) Rate {
	if p == nil {
		return Rate{}
	}
	return some(int64(math.Round(*p * 1e12)))
}

// perMTok converts a USD-per-million-tokens price to a Rate.
func perMTok(p *float64) Rate {
	if p == nil {
		return Rate{}
	}
	return some(int64(math.Round(*p * 1e6)))
}

// ratesFromEntry reads a catalogue entry.
func ratesFromEntry(e Entry, key string) Rates {
	return Rates{
		Input:      perToken(e.InputCostPerToken),
		Output:     perToken(e.OutputCostPerToken),
		CacheRead:  perToken(e.CacheReadInputTokenCost),
		CacheWrite: perToken(e.CacheCreationInputTokenCost),
		Reasoning:  perToken(e.OutputCostPerReasoningToken),
		Source:     "catalogue:" + key,
	}
}

// withOverride applies the set fields of a config override on top of r.
func (r Rates) withOverride(p *config.Pricing) Rates {
	set := func(dst *Rate, v *float64) {
		if v != nil {
			*dst = perMTok(v)
		}
	}
	set(&r.Input, p.InputPerMTok)
	set(&r.Output, p.OutputPerMTok)
	set(&r.CacheRead, p.CachedInputPerMTok)
	set(&r.CacheWrite, p.CacheWritePerMTok)
	set(&r.Reasoning, p.ReasoningPerMTok)
	if r.Source == "" {
		r.Source = "config"
	} else {
		r.Source = "config+" + r.Source
	}
	return r
}

// SelfHostedRate is the price of every token (input or output) of a model
// you serve yourself:
//
//	per_mtok_usd set:  rate = per_mtok_usd                                  USD per 1M tokens
//	otherwise:         rate = gpu_hour_usd / 3600 / tokens_per_second × 1e6 USD per 1M tokens
//
// tokens_per_second is the total (prompt + completion) tokens the GPU
// processes per second at your usual concurrency. The result is rounded to
// the nearest micro-USD per million tokens.
func SelfHostedRate(sh config.SelfHosted) (Rate, bool) {
	if sh.PerMTokUSD != nil {
		return perMTok(sh.PerMTokUSD), *sh.PerMTokUSD >= 0
	}
	if sh.GPUHourUSD <= 0 || sh.TokensPerSecond <= 0 {
		return Rate{}, false
	}
	usdPerMTok := sh.GPUHourUSD / 3600 / sh.TokensPerSecond * 1e6
	return perMTok(&usdPerMTok), true
}

func selfHostedRates(sh config.SelfHosted) (Rates, bool) {
	r, ok := SelfHostedRate(sh)
	if !ok {
		return Rates{}, false
	}
	return Rates{Input: r, Output: r, Source: "self_hosted"}, true
}
