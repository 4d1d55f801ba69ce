package gateway

import (
	"context"
	"log/slog"
	"runtime/debug"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/fledgling-ai/fledgling/internal/capture"
	"github.com/fledgling-ai/fledgling/internal/openai"
)

// finish builds the call's record and gives it to the collaborators. It
// runs in the handler once the answer has left (sendNow flushed it, or the
// stream's last event), and only records metrics and queues: telemetry
// queues the call for its spans, the capture writer the record, the shadow
// tee a replay, each in a bounded queue that counts what it drops. The
// record carries its redaction (Redactor.Redact) unrun: telemetry and
// capture apply it, once, where they build spans and store records, on the
// idle-priority thread (capture.Record.Redacted); the shadow tee uses the
// original (a replay must send the candidate exactly what the primary saw).
//
// Until the thirteenth session this went to hand-off workers woken after
// a 1 ms settle time, built when finishing a call meant redaction and span
// building. Now that it only queues (a few µs), their wake-ups cost more
// than they saved: back to back, metrics and the hand-off alone added
// +22 … +27 % to the median call and +29 … +40 µs of CPU a call through
// the workers, −1 … +10 % and +4 … +16 µs here (docs/capture-overhead.md,
// thirteenth session).
func (c *call) finish() {
	rec := c.record()
	c.logCall(rec)
	o := c.s.o
	if o.Telemetry == nil && o.Recorder == nil && o.Tee == nil {
		return
	}
	if o.Redactor != nil {
		rec.DeferRedaction(o.Redactor.Redact)
	}
	c.s.inflight.Add(1)
	defer c.s.inflight.Done()
	defer func() {
		if v := recover(); v != nil {
			c.s.log.Error("panic handing off a record", "request_id", rec.ID, "panic", v, "stack", string(debug.Stack()))
		}
	}()
	c.handOff(context.WithoutCancel(c.ctx), rec)
}

// handOff gives the finished call to telemetry, the capture writer and the
// shadow tee.
func (c *call) handOff(ctx context.Context, rec *capture.Record) {
	o := c.s.o
	if o.Telemetry != nil {
		o.Telemetry.Finish(ctx, rec)
	}
	if !c.routed {
		return // rejected before routing: traced, not captured
	}
	if o.Recorder != nil {
		o.Recorder.Record(rec)
	}
	if o.Tee != nil {
		o.Tee.Duplicate(ctx, rec, c.decision)
	}
}

// record fills the complete capture.Record of the call.
func (c *call) record() *capture.Record {
	d := c.decision
	rec := &capture.Record{
		ID: c.id, UpstreamRequestID: c.upstreamID, Time: c.start, Kind: c.kind, Route: d.Route, KeyID: c.key.keyName(), Stream: c.info.Stream,
		User: c.info.User, Session: c.session(), Tags: c.tags(), Metadata: c.info.Metadata,
		RequestedModel: c.info.Model, PrimaryModel: d.Primary, Stage: d.Stage,
		Request: c.body, Response: c.msg, Usage: c.msg.Usage, UpstreamModel: c.msg.Model,
		Status: c.status, Truncated: c.truncated, Latency: time.Since(c.start), TTFT: c.ttft,
		Attempts: c.attempts,
	}
	if sc := trace.SpanContextFromContext(c.ctx); sc.IsValid() {
		rec.TraceID, rec.SpanID = sc.TraceID().String(), sc.SpanID().String()
	}
	if len(d.Targets) > 0 {
		rec.TargetModel = d.Targets[0].Model
	}
	if c.answer != nil {
		rec.AnsweringModel, rec.Provider, rec.ServedByCandidate = c.answer.public, c.answer.provider, c.candidate
	}
	if c.err != nil {
		rec.ErrorClass, rec.ErrorMessage = errorClass(c.err), c.err.Error()
	}
	if c.body != nil {
		rec.TaskKey = c.taskKey()
	}
	c.price(rec)
	return rec
}

func (c *call) taskKey() string {
	if h := c.decision.TaskKeyHeader; h != "" {
		if v := c.r.Header.Get(h); v != "" {
			return v
		}
	}
	return openai.TaskKey(c.body)
}

// tags are x-fledgling-tags (comma-separated) then metadata.tags.
func (c *call) tags() []string {
	tags := appendTags(nil, c.r.Header.Get("X-Fledgling-Tags"))
	return append(tags, c.info.Tags...)
}

// price costs the answer, every attempt, and the counterfactual: the same
// usage at the route's primary model.
func (c *call) price(rec *capture.Record) {
	p := c.s.o.Pricer
	if p == nil {
		return
	}
	for i := range rec.Attempts {
		a := &rec.Attempts[i]
		if a.Usage.Present() {
			a.CostMicros, _ = p.Cost(a.Model, a.Usage)
		}
	}
	if !rec.Usage.Present() {
		return
	}
	if rec.AnsweringModel != "" {
		rec.CostMicros, rec.Priced = p.Cost(rec.AnsweringModel, rec.Usage)
	}
	if c.decision.Primary != "" {
		rec.CounterfactualMicros, _ = p.Cost(c.decision.Primary, rec.Usage)
	}
}

func (c *call) logCall(rec *capture.Record) {
	if !c.s.log.Enabled(c.ctx, slog.LevelDebug) {
		return
	}
	attrs := []any{"request_id", rec.ID, "kind", rec.Kind, "model", rec.RequestedModel, "answered_by", rec.AnsweringModel,
		"status", rec.Status, "latency_ms", rec.Latency.Milliseconds(), "attempts", len(rec.Attempts)}
	if rec.ErrorClass != "" {
		attrs = append(attrs, "error_class", rec.ErrorClass, "truncated", rec.Truncated)
	}
	c.s.log.Debug("call", attrs...)
}
