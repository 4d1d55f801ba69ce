package gateway

import (
	"context"
	"net/http"

	"github.com/fledgling-ai/fledgling/internal/capture"
	"github.com/fledgling-ai/fledgling/internal/openai"
	"github.com/fledgling-ai/fledgling/router"
)

// The gateway's collaborators, declared here where they are used. internal/app
// plugs in the implementations; a nil Telemetry, Recorder, Tee or Pricer is
// simply skipped, so the proxy works on its own.

// Router makes the pure routing decision.
type Router interface {
	Decide(req *router.Request) (router.Decision, error)
}

// Telemetry opens the SERVER span for a request and, once the call is
// complete, emits its CLIENT spans (one per attempt), metrics, and ends it.
// The record's redaction may not have run yet: spans are built from
// rec.Redacted(), never from rec.
type Telemetry interface {
	Start(ctx context.Context, r *http.Request) context.Context
	Finish(ctx context.Context, rec *capture.Record)
}

// Recorder durably captures a completed call. It must not block: it
// enqueues. The record's redaction may not have run yet: what is stored is
// rec.Redacted(), never rec.
type Recorder interface {
	Record(rec *capture.Record)
}

// Tee mirrors a completed call to shadow models. It must not block and is
// called with a context detached from the client's cancellation.
type Tee interface {
	Duplicate(ctx context.Context, rec *capture.Record, d router.Decision)
}

// Pricer costs usage on a public model name, in micro-USD. priced is false
// for a model without a price, which is never costed as zero silently.
type Pricer interface {
	Cost(model string, u openai.Usage) (micros int64, priced bool)
}

// Redactor returns a copy of a record with secrets and configured patterns
// removed from its content. The gateway attaches it to the record unrun
// (capture.Record.DeferRedaction); Telemetry and Recorder run it, once, with
// Redacted() where they build spans and store records, off the hand-off
// workers. The Tee uses the original, because a shadow replay must send the
// candidate exactly what the primary saw (the shadow redacts what it stores).
type Redactor interface {
	Redact(rec *capture.Record) *capture.Record
}

// BreakerObserver is told each target's circuit-breaker state after every
// attempt: 0 closed, 1 half-open, 2 open (the fledgling_breaker_state gauge).
type BreakerObserver interface {
	SetBreakerState(target string, state int)
}
