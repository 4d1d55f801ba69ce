// Package costs turns token usage into money and keeps the running totals the
// cost dashboard reads. It exists so that every loop (the gateway pricing a
// call, shadow pricing a candidate, the dashboard adding up savings) uses one
// price catalogue and one set of rounding rules, and so the dashboard never
// has to scan raw captures: rollups are maintained as calls are captured.
//
// Money is int64 micro-USD everywhere. Prices are held as integer micro-USD
// per million tokens, so a call costs Σ tokens×rate / 1e6 micro-USD, rounded
// half up once per call (never per token class). Prices are never fetched at
// request time: the catalogue is embedded, optionally overlaid by a local
// LiteLLM-format file, then by per-model config overrides.
//
// costs imports none of the loops (gateway, router, shadow, trainer,
// promotion): it is used from all of them.
package costs
