package telemetry

import (
	"context"
	"net/http"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/fledgling-ai/fledgling/internal/capture"
)

// Headers a caller may send to label its traces (used when the record does
// not already carry the value).
const (
	HeaderUser    = "X-Fledgling-User"
	HeaderSession = "X-Fledgling-Session-Id"
	HeaderTags    = "X-Fledgling-Tags" // comma-separated
)

type serverKey struct{}

// serverState is what Start leaves in the context for Finish: the SERVER
// span's identity and opening attributes. The span itself is built complete
// in Finish (emitEnded); until then the context carries only its span
// context, which is all that logs, captures and the traceparent sent
// upstream need.
type serverState struct {
	sc, parent trace.SpanContext
	name       string
	start      time.Time
	opening    openingAttrs
	hints      headerHints
}

// openingAttrs are what Start knows of the request; they become the SERVER
// span's first attributes when it is built, off the request path.
type openingAttrs struct {
	method, path, userAgent string
}

// appendTo appends the attributes to attrs; none for a span Start did not
// open.
func (o openingAttrs) appendTo(attrs []attribute.KeyValue) []attribute.KeyValue {
	if o.method == "" {
		return attrs
	}
	return append(attrs, attribute.String(keyHTTPMethod, o.method), attribute.String(keyURLPath, o.path),
		attribute.String(keyHTTPRoute, o.path), attribute.String(keyUserAgent, o.userAgent))
}

type headerHints struct {
	user, session string
	tags          []string
}

// Start opens the request's SERVER span, as a child of the caller's W3C
// traceparent when there is one, and returns a context carrying it.
func (t *Telemetry) Start(ctx context.Context, r *http.Request) context.Context {
	ctx = t.prop.Extract(ctx, propagation.HeaderCarrier(r.Header))
	st := t.openServer(ctx, r.Method+" "+r.URL.Path, time.Now())
	st.opening = openingAttrs{method: r.Method, path: r.URL.Path, userAgent: r.UserAgent()}
	st.hints = hintsFrom(r.Header)
	return context.WithValue(trace.ContextWithSpanContext(ctx, st.sc), serverKey{}, st)
}

// openServer gives the SERVER span its identity: the caller's trace (or a
// new one), a new span id, sampled (every call is traced) and
// the caller's trace state.
func (t *Telemetry) openServer(ctx context.Context, name string, start time.Time) *serverState {
	parent := trace.SpanContextFromContext(ctx)
	tid := parent.TraceID()
	if !tid.IsValid() {
		tid = newTraceID()
	}
	sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: newSpanID(),
		TraceFlags: trace.FlagsSampled, TraceState: parent.TraceState()})
	return &serverState{sc: sc, parent: parent, name: name, start: start}
}

func hintsFrom(h http.Header) headerHints {
	hints := headerHints{user: h.Get(HeaderUser), session: h.Get(HeaderSession)}
	for _, t := range strings.Split(h.Get(HeaderTags), ",") {
		if t = strings.TrimSpace(t); t != "" {
			hints.tags = append(hints.tags, t)
		}
	}
	return hints
}

// IDs returns the trace and span id of the SERVER span in ctx (hex), for
// the record and for log lines; empty when ctx has none.
func IDs(ctx context.Context) (traceID, spanID string) {
	sc := trace.SpanContextFromContext(ctx)
	if !sc.IsValid() {
		return "", ""
	}
	return sc.TraceID().String(), sc.SpanID().String()
}

// Finish records the call's metrics and emits its spans: one CLIENT span
// per upstream attempt of rec and the SERVER span opened by Start (or one
// created after the fact when Start was not called). The spans are built on
// the export goroutine before its next export (deferred.go); with no
// destination for spans none are built.
func (t *Telemetry) Finish(ctx context.Context, rec *capture.Record) {
	st, _ := ctx.Value(serverKey{}).(*serverState)
	if rec == nil {
		if st != nil {
			t.emitEnded(&builtSpan{parent: st.parent, sc: st.sc, kind: trace.SpanKindServer, name: st.name,
				start: st.start, end: time.Now(), attrs: st.opening.appendTo(nil)})
		}
		return
	}
	if len(t.processors) == 0 { // no destination: the spans would go nowhere
		t.metrics.observeCall(ctx, rec, t.names(rec))
		return
	}
	if st == nil {
		st = t.openServer(ctx, "POST "+pathOf(rec.Kind), rec.Time)
		ctx = trace.ContextWithSpanContext(ctx, st.sc)
	}
	if t.inFinish || len(t.pipelines) == 0 { // asked to, or only processors registered by tests: build now
		t.finishNow(ctx, st, rec)
		return
	}
	t.metrics.observeCall(ctx, rec, t.names(rec))
	t.deferSpans(st, rec)
}

// finishNow builds the call's spans from its redacted record at once and
// records its metrics.
func (t *Telemetry) finishNow(ctx context.Context, st *serverState, rec *capture.Record) {
	red, err := rec.Redacted()
	if err != nil { // never exported raw
		t.log.Error("spans of a call dropped", "err", err)
		t.metrics.observeCall(ctx, rec, t.names(rec))
		return
	}
	t.metrics.observeCall(ctx, rec, t.buildSpans(st, red))
}

// buildSpans emits the call's CLIENT spans and its SERVER span to every
// span processor.
// The attributes are built into scratch slices reused from call to call.
func (t *Telemetry) buildSpans(st *serverState, rec *capture.Record) *callDesc {
	scr := scratchPool.Get().(*spanScratch)
	defer scr.release()
	d := t.describe(rec, st.hints, scr)
	c := buildContent(rec, d.body, t.maxContent, t.lfContent, t.semContent)
	attempts := attemptsOf(rec)
	for i := range attempts {
		t.clientSpan(scr, st, rec, d, &c, attempts[i], i, i == len(attempts)-1)
	}
	t.endServer(scr, st, rec, d, &c)
	d.trace, d.body = nil, nil // the scratch's
	return d
}

func pathOf(k capture.Kind) string {
	switch k {
	case capture.KindCompletion:
		return "/v1/completions"
	case capture.KindEmbedding:
		return "/v1/embeddings"
	case capture.KindResponses:
		return "/v1/responses"
	}
	return "/v1/chat/completions"
}

// describe reads what the spans of rec say about the call as a whole; the
// body's fields and the trace-level attributes are built in scr.
func (t *Telemetry) describe(rec *capture.Record, hints headerHints, scr *spanScratch) *callDesc {
	d := t.names(rec)
	d.body = topFields(scr.body[:0], rec.Request)
	d.request, d.modelParams = requestParams(d.body, rec.Stream)
	d.trace = traceAttrs(scr.trace[:0], rec, d.body, hints, t.env, t.release)
	scr.body, scr.trace = d.body, d.trace
	return d
}

// names is the part of describe the metrics need: operation, provider and
// models.
func (t *Telemetry) names(rec *capture.Record) *callDesc {
	d := &callDesc{}
	d.operation, d.apiType = operationOf(rec.Kind)
	d.requestModel = firstNonEmpty(rec.TargetModel, rec.RequestedModel)
	provider := rec.Provider
	if n := len(rec.Attempts); n > 0 {
		last := rec.Attempts[n-1]
		d.requestModel = firstNonEmpty(last.UpstreamModel, last.Model, d.requestModel)
		provider = firstNonEmpty(last.Provider, provider)
	}
	d.providerName = t.provider(provider).name
	d.responseModel = firstNonEmpty(rec.UpstreamModel, rec.Response.Model)
	return d
}

// endServer emits the SERVER span with the call's outcome. It ends when the
// answer did: the record's time plus its latency. It is built in scr.
func (t *Telemetry) endServer(scr *spanScratch, st *serverState, rec *capture.Record, d *callDesc, c *content) {
	attrs := st.opening.appendTo(scr.attrs[:0])
	attrs = append(attrs,
		attribute.Int(keyHTTPStatus, rec.Status), attribute.String(keyOperation, d.operation),
		attribute.String(keyPublicModel, firstNonEmpty(rec.AnsweringModel, rec.RequestedModel)),
		attribute.Int64(keyCostMicros, rec.CostMicros), attribute.Bool(keyCandidate, rec.ServedByCandidate))
	attrs = append(attrs, d.trace...)
	attrs = appendNonEmpty(attrs, keyKeyID, rec.KeyID)
	attrs = appendNonEmpty(attrs, keyStage, rec.Stage)
	attrs = appendNonEmpty(attrs, keyTaskKey, rec.TaskKey)
	attrs = appendNonEmpty(attrs, keyLFInput, c.lfInput)
	attrs = appendNonEmpty(attrs, keyLFOutput, c.lfOutput)
	if rec.Truncated {
		attrs = append(attrs, attribute.Bool(keyTruncated, true))
	}
	var status sdktrace.Status
	if et := errorType(rec); et != "" {
		attrs = append(attrs, attribute.String(keyErrorType, et), attribute.String(keyLFLevel, "ERROR"))
		attrs = appendNonEmpty(attrs, keyLFStatusMessage, rec.ErrorMessage)
		if rec.Status >= 500 || rec.Status == 0 || rec.Truncated {
			status = sdktrace.Status{Code: codes.Error, Description: firstNonEmpty(rec.ErrorMessage, et)}
		}
	}
	end := st.start.Add(rec.Latency)
	if !rec.Time.IsZero() {
		end = rec.Time.Add(rec.Latency)
	}
	scr.attrs = attrs
	scr.span = builtSpan{parent: st.parent, sc: st.sc, kind: trace.SpanKindServer, name: st.name,
		start: st.start, end: end, attrs: attrs, status: status}
	t.emitEnded(&scr.span)
}

func appendNonEmpty(attrs []attribute.KeyValue, key, v string) []attribute.KeyValue {
	if v == "" {
		return attrs
	}
	return append(attrs, attribute.String(key, v))
}

// errorType is error.type for a call that failed from the client's view.
func errorType(rec *capture.Record) string {
	switch {
	case rec.OK():
		return ""
	case rec.ErrorClass != "":
		return rec.ErrorClass
	case rec.Truncated:
		return "truncated"
	case rec.Status >= 400:
		return itoa(rec.Status)
	}
	return "_OTHER"
}

// attemptsOf returns the record's attempts, or one synthesised from the
// record when the gateway reached an upstream but listed no attempts. A call
// rejected before any upstream (auth, bad request) has no CLIENT span.
func attemptsOf(rec *capture.Record) []capture.Attempt {
	if len(rec.Attempts) > 0 {
		return rec.Attempts
	}
	if rec.AnsweringModel == "" && rec.UpstreamModel == "" && (rec.Status < 200 || rec.Status >= 300) {
		return nil
	}
	return []capture.Attempt{{
		Model: firstNonEmpty(rec.AnsweringModel, rec.TargetModel, rec.RequestedModel), Provider: rec.Provider,
		UpstreamModel: rec.UpstreamModel, Start: rec.Time, Duration: rec.Latency, TTFT: rec.TTFT,
		Status: rec.Status, ErrorClass: rec.ErrorClass, Usage: rec.Usage, CostMicros: rec.CostMicros,
	}}
}
