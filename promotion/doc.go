// Package promotion moves a route's traffic to a candidate small model in
// canary steps once its shadow evidence clears the gate, and rolls it back on
// regression. It exists so that the decision the whole product is for —
// "is the small model good enough to serve, and is it still?" — is made by
// one auditable state machine over anytime-valid statistics rather than by
// hand.
//
// Per (route, candidate version) the stages are
//
//	shadow → canary step 1 … n → promoted;  any → rolled_back;
//	rolled_back → shadow only for a new version or after the cooldown.
//
// A gate check passes when the anytime-valid lower bound of every quality
// threshold clears it (cumulative evidence since the version entered shadow),
// every guardrail holds and net savings clear their floor, after the minimum
// samples and duration (per canary step: step_samples and step_duration). It
// fails when the upper bound of the current window (the step, or the current
// epoch once promoted) falls below a threshold — minus demotion_margin once
// the candidate serves (hysteresis), never for hard gates, which roll back at
// once. failures_before_rollback consecutive failing checks roll back.
//
// Exactly one replica runs the controller (a Redis lease with fencing tokens
// when Redis is configured); every replica follows the shared, versioned
// state and recompiles its router table on each change. Every transition is
// recorded with its evidence in the store, as a log line and a trace event.
package promotion
