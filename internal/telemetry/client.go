package telemetry

import (
	"encoding/binary"
	"math/rand/v2"
	"strconv"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/fledgling-ai/fledgling/internal/capture"
	"github.com/fledgling-ai/fledgling/internal/openai"
)

// clientSpan emits the CLIENT span of one upstream attempt, post hoc, with
// the attempt's own start and end times, built in scr.
func (t *Telemetry) clientSpan(scr *spanScratch, srv *serverState, rec *capture.Record, d *callDesc, c *content, a capture.Attempt, idx int, final bool) {
	reqModel := firstNonEmpty(a.UpstreamModel, a.Model, d.requestModel)
	attrs := t.attemptAttrs(scr.attrs[:0], rec, d, a, reqModel, idx, final)
	attrs = append(attrs, d.request...)
	attrs = append(attrs, d.trace...)
	attrs = appendNonEmpty(attrs, keyLFInput, c.lfInput)
	attrs = appendNonEmpty(attrs, keyInputMessages, c.inputMessages)
	attrs = appendNonEmpty(attrs, keySystemInstructions, c.system)
	attrs = appendNonEmpty(attrs, keyToolDefinitions, c.tools)
	failed := a.ErrorClass != "" || a.Status < 200 || a.Status >= 300 || (final && !rec.OK())
	if final && !failed || final && rec.Truncated {
		attrs = appendResponseAttrs(attrs, rec, d)
		attrs = appendNonEmpty(attrs, keyLFOutput, c.lfOutput)
		attrs = appendNonEmpty(attrs, keyOutputMessages, c.outputMessages)
	}
	attrs = appendUsageAttrs(attrs, a, rec, final)
	start := a.Start
	if start.IsZero() {
		start = rec.Time
	}
	if ttft := attemptTTFT(a, rec, final); ttft > 0 {
		attrs = append(attrs, attribute.Float64(keyTimeToFirstChunk, ttft.Seconds()),
			attribute.String(keyLFCompletionStart, start.Add(ttft).UTC().Format(time.RFC3339Nano)))
	}
	var status, msg string
	if failed {
		status, msg = attemptError(rec, a, final)
		attrs = append(attrs, attribute.String(keyErrorType, status), attribute.String(keyLFLevel, "ERROR"),
			attribute.String(keyLFStatusMessage, msg))
	}
	var st sdktrace.Status
	if failed {
		st = sdktrace.Status{Code: codes.Error, Description: msg}
	}
	scr.attrs = attrs
	scr.span = builtSpan{parent: srv.sc, kind: trace.SpanKindClient, name: d.operation + " " + reqModel,
		start: start, end: start.Add(a.Duration), attrs: attrs, status: st}
	t.emitEnded(&scr.span)
}

// newSpanID is a random, non-zero span id, as the SDK's generator makes.
func newSpanID() trace.SpanID {
	var id trace.SpanID
	for !id.IsValid() {
		binary.BigEndian.PutUint64(id[:], rand.Uint64())
	}
	return id
}

// newTraceID is a random, non-zero trace id.
func newTraceID() trace.TraceID {
	var id trace.TraceID
	for !id.IsValid() {
		binary.BigEndian.PutUint64(id[:8], rand.Uint64())
		binary.BigEndian.PutUint64(id[8:], rand.Uint64())
	}
	return id
}

func (t *Telemetry) attemptAttrs(attrs []attribute.KeyValue, rec *capture.Record, d *callDesc, a capture.Attempt, reqModel string, idx int, final bool) []attribute.KeyValue {
	info := t.provider(firstNonEmpty(a.Provider, rec.Provider))
	lfType := "generation"
	if rec.Kind == capture.KindEmbedding {
		lfType = "embedding"
	}
	attrs = append(attrs, attribute.String(keyOperation, d.operation), attribute.String(keyProvider, info.name),
		attribute.String(keyRequestModel, reqModel), attribute.String(keyPublicModel, a.Model),
		attribute.Int(keyAttemptIndex, idx), attribute.Int(keyAttemptRetry, a.Retry),
		attribute.Int(keyAttemptFallback, a.Fallback), attribute.Bool(keyAttemptFinal, final),
		attribute.String(keyLFType, lfType), attribute.String(keyLFModelParams, d.modelParams))
	if a.Status != 0 {
		attrs = append(attrs, attribute.Int(keyHTTPStatus, a.Status))
	}
	if info.address != "" {
		attrs = append(attrs, attribute.String(keyServerAddress, info.address), attribute.Int(keyServerPort, info.port))
	}
	if d.apiType != "" {
		attrs = append(attrs, attribute.String(keyOpenAIAPIType, d.apiType))
	}
	if a.Retry > 0 {
		attrs = append(attrs, attribute.Int(keyResendCount, a.Retry))
	}
	model := reqModel
	if final && d.responseModel != "" {
		model = d.responseModel
	}
	return append(attrs, attribute.String(keyLFModel, model))
}

// appendResponseAttrs appends what describes the answer the client got
// (final attempt only).
func appendResponseAttrs(attrs []attribute.KeyValue, rec *capture.Record, d *callDesc) []attribute.KeyValue {
	attrs = appendNonEmpty(attrs, keyResponseID, rec.Response.ID)
	attrs = appendNonEmpty(attrs, keyResponseModel, d.responseModel)
	if fr := rec.Response.FinishReason; fr != "" {
		attrs = append(attrs, attribute.StringSlice(keyFinishReasons, []string{fr}))
	}
	return attrs
}

// appendUsageAttrs appends the token counts (GenAI and Langfuse) and cost of
// an attempt.
func appendUsageAttrs(attrs []attribute.KeyValue, a capture.Attempt, rec *capture.Record, final bool) []attribute.KeyValue {
	u, cost := a.Usage, a.CostMicros
	if final && !u.Present() {
		u = rec.Usage
	}
	if final && cost == 0 {
		cost = rec.CostMicros
	}
	attrs = appendCount(attrs, keyInputTokens, u.Input)
	attrs = appendCount(attrs, keyOutputTokens, u.Output)
	attrs = appendCount(attrs, keyCacheReadTokens, u.CachedInput)
	attrs = appendCount(attrs, keyCacheCreateTokens, u.CacheWrite)
	attrs = appendCount(attrs, keyReasoningTokens, u.Reasoning)
	if u.Present() {
		attrs = append(attrs, attribute.String(keyLFUsage, usageJSON(u)))
	}
	if cost > 0 || (final && rec.Priced) {
		attrs = append(attrs, attribute.String(keyLFCost, costJSON(cost)))
	}
	return attrs
}

// appendCount appends key = c when c is present.
func appendCount(attrs []attribute.KeyValue, key string, c openai.Count) []attribute.KeyValue {
	if n, ok := c.Get(); ok {
		return append(attrs, attribute.Int64(key, n))
	}
	return attrs
}

// costJSON is {"total":<USD>} exactly as encoding/json writes the float: a
// whole number of micro-USD is 0 or at least 1e-6 and far below 1e21, so
// the shortest 'f' form is what json.Marshal prints.
func costJSON(micros int64) string {
	b := make([]byte, 0, 32)
	b = append(b, `{"total":`...)
	b = strconv.AppendFloat(b, float64(micros)/1e6, 'f', -1, 64)
	return string(append(b, '}'))
}

// usageJSON is the usage flattened the way Langfuse expects (cached and
// cache-write tokens split out of input, reasoning out of output, and a
// total), written as json.Marshal would write that map: keys sorted
// (TestUsageAndCostJSONMatchEncodingJSON holds it to the map's encoding).
func usageJSON(u openai.Usage) string {
	in, hasIn := u.Input.Get()
	out, hasOut := u.Output.Get()
	cached, hasCached := u.CachedInput.Get()
	write, hasWrite := u.CacheWrite.Get()
	reasoning, hasReasoning := u.Reasoning.Get()
	b := append(make([]byte, 0, 160), '{')
	b = appendMember(b, "input", max(in-cached-write, 0), hasIn)
	b = appendMember(b, "input_cache_creation", write, hasWrite)
	b = appendMember(b, "input_cached_tokens", cached, hasCached)
	b = appendMember(b, "output", max(out-reasoning, 0), hasOut)
	b = appendMember(b, "output_reasoning_tokens", reasoning, hasReasoning)
	b = appendMember(b, "total", u.Input.Or(0)+u.Output.Or(0), true)
	return string(append(b, '}'))
}

// appendMember appends "key":n to the JSON object being written in b, when
// present.
func appendMember(b []byte, key string, n int64, present bool) []byte {
	if !present {
		return b
	}
	if len(b) > 1 {
		b = append(b, ',')
	}
	b = append(append(append(b, '"'), key...), '"', ':')
	return strconv.AppendInt(b, n, 10)
}

func attemptTTFT(a capture.Attempt, rec *capture.Record, final bool) time.Duration {
	if !rec.Stream {
		return 0
	}
	if a.TTFT > 0 {
		return a.TTFT
	}
	if final {
		return rec.TTFT
	}
	return 0
}

// attemptError returns error.type and a status message for a failed attempt.
func attemptError(rec *capture.Record, a capture.Attempt, final bool) (string, string) {
	et := a.ErrorClass
	if et == "" && final {
		et = errorType(rec)
	}
	if et == "" && a.Status >= 400 {
		et = itoa(a.Status)
	}
	if et == "" {
		et = "_OTHER"
	}
	msg := et
	if final && rec.ErrorMessage != "" {
		msg = rec.ErrorMessage
	} else if a.Status != 0 {
		msg = et + " (HTTP " + itoa(a.Status) + ")"
	}
	return et, msg
}

func itoa(n int) string { return strconv.Itoa(n) }
