package capture

import (
	"encoding/json"
	"slices"
	"strconv"
	"time"

	"github.com/fledgling-ai/fledgling/internal/jsonlit"
	"github.com/fledgling-ai/fledgling/internal/openai"
)

// encodeWithoutRequest is the record's JSON minus the request body, which
// has its own column. It writes, byte for byte, what json.Marshal writes
// for the record (TestRecordEncodingMatchesJSONMarshal holds it to that,
// field by field), without reflection: json.Marshal spent a quarter of the
// capture writer's CPU here, half of it compacting the output of the token
// counts' and times' own marshalers. A time json.Marshal refuses (a year
// beyond 9999) takes json.Marshal's path and its error.
func encodeWithoutRequest(r *Record) ([]byte, error) {
	return appendWithoutRequest(make([]byte, 0, 1024+len(r.Response.Content)), r)
}

// appendWithoutRequest appends what encodeWithoutRequest returns to b.
func appendWithoutRequest(b []byte, r *Record) ([]byte, error) {
	if !encodableTimes(r) {
		c := *r
		c.Request = nil
		data, err := json.Marshal(&c)
		return append(b, data...), err
	}
	return appendRecord(b, r), nil
}

func encodableTimes(r *Record) bool {
	ok := func(t time.Time) bool { y := t.Year(); return y >= 0 && y <= 9999 }
	for _, a := range r.Attempts {
		if !ok(a.Start) {
			return false
		}
	}
	return ok(r.Time)
}

// obj writes the members of one JSON object.
type obj struct {
	b []byte
	n int
}

func (o *obj) key(k string) {
	if o.n > 0 {
		o.b = append(o.b, ',')
	}
	o.n++
	o.b = append(o.b, '"')
	o.b = append(o.b, k...)
	o.b = append(o.b, '"', ':')
}

func (o *obj) str(k, v string)       { o.key(k); o.b = jsonlit.AppendString(o.b, v) }
func (o *obj) int(k string, v int64) { o.key(k); o.b = strconv.AppendInt(o.b, v, 10) }
func (o *obj) bool(k string, v bool) { o.key(k); o.b = strconv.AppendBool(o.b, v) }
func (o *obj) time(k string, t time.Time) {
	o.key(k)
	o.b = append(t.AppendFormat(append(o.b, '"'), time.RFC3339Nano), '"')
}

func (o *obj) strOmit(k, v string) {
	if v != "" {
		o.str(k, v)
	}
}

func (o *obj) count(k string, c openai.Count) {
	o.key(k)
	if n, ok := c.Get(); ok {
		o.b = strconv.AppendInt(o.b, n, 10)
		return
	}
	o.b = append(o.b, "null"...)
}

func appendRecord(b []byte, r *Record) []byte {
	o := obj{b: append(b, '{')}
	o.str("id", r.ID)
	o.strOmit("upstream_request_id", r.UpstreamRequestID)
	o.strOmit("trace_id", r.TraceID)
	o.strOmit("span_id", r.SpanID)
	o.time("time", r.Time)
	o.str("kind", string(r.Kind))
	o.strOmit("route", r.Route)
	o.strOmit("key_id", r.KeyID)
	o.bool("stream", r.Stream)
	o.strOmit("task_key", r.TaskKey)
	o.strOmit("user", r.User)
	o.strOmit("session", r.Session)
	if len(r.Tags) > 0 {
		o.key("tags")
		o.b = jsonlit.AppendStrings(o.b, r.Tags)
	}
	if len(r.Metadata) > 0 {
		o.key("metadata")
		o.b = appendStringMap(o.b, r.Metadata)
	}
	appendModels(&o, r)
	o.key("response")
	o.b = appendMessage(o.b, &r.Response)
	o.key("usage")
	o.b = appendUsage(o.b, r.Usage)
	appendOutcome(&o, r)
	return append(o.b, '}')
}

func appendModels(o *obj, r *Record) {
	o.str("requested_model", r.RequestedModel)
	o.strOmit("primary_model", r.PrimaryModel)
	o.strOmit("target_model", r.TargetModel)
	o.strOmit("answering_model", r.AnsweringModel)
	o.strOmit("upstream_model", r.UpstreamModel)
	o.strOmit("provider", r.Provider)
	o.strOmit("stage", r.Stage)
	if r.ServedByCandidate {
		o.bool("served_by_candidate", true)
	}
}

func appendOutcome(o *obj, r *Record) {
	o.int("status", int64(r.Status))
	o.strOmit("error_class", r.ErrorClass)
	o.strOmit("error_message", r.ErrorMessage)
	if r.Truncated {
		o.bool("truncated", true)
	}
	o.int("latency", int64(r.Latency))
	if r.TTFT != 0 {
		o.int("ttft", int64(r.TTFT))
	}
	o.int("cost_micros", r.CostMicros)
	o.bool("priced", r.Priced)
	o.int("counterfactual_micros", r.CounterfactualMicros)
	if len(r.Attempts) > 0 {
		o.key("attempts")
		o.b = append(o.b, '[')
		for i := range r.Attempts {
			if i > 0 {
				o.b = append(o.b, ',')
			}
			o.b = appendAttempt(o.b, &r.Attempts[i])
		}
		o.b = append(o.b, ']')
	}
}

func appendAttempt(b []byte, a *Attempt) []byte {
	o := obj{b: append(b, '{')}
	o.str("model", a.Model)
	o.str("provider", a.Provider)
	o.str("upstream_model", a.UpstreamModel)
	o.time("start", a.Start)
	o.int("duration", int64(a.Duration))
	if a.TTFT != 0 {
		o.int("ttft", int64(a.TTFT))
	}
	o.int("status", int64(a.Status))
	o.strOmit("error_class", a.ErrorClass)
	o.int("retry", int64(a.Retry))
	o.int("fallback", int64(a.Fallback))
	o.key("usage")
	o.b = appendUsage(o.b, a.Usage)
	o.int("cost_micros", a.CostMicros)
	return append(o.b, '}')
}

func appendMessage(b []byte, m *openai.Message) []byte {
	o := obj{b: append(b, '{')}
	o.strOmit("id", m.ID)
	o.strOmit("model", m.Model)
	o.strOmit("content", m.Content)
	o.strOmit("refusal", m.Refusal)
	if len(m.ToolCalls) > 0 {
		o.key("tool_calls")
		o.b = append(o.b, '[')
		for i, tc := range m.ToolCalls {
			if i > 0 {
				o.b = append(o.b, ',')
			}
			t := obj{b: append(o.b, '{')}
			t.strOmit("id", tc.ID)
			t.strOmit("type", tc.Type)
			t.str("name", tc.Name)
			t.str("arguments", tc.Arguments)
			o.b = append(t.b, '}')
		}
		o.b = append(o.b, ']')
	}
	o.strOmit("finish_reason", m.FinishReason)
	o.key("usage")
	o.b = appendUsage(o.b, m.Usage)
	return append(o.b, '}')
}

func appendUsage(b []byte, u openai.Usage) []byte {
	o := obj{b: append(b, '{')}
	o.count("input", u.Input)
	o.count("output", u.Output)
	o.count("cached_input", u.CachedInput)
	o.count("cache_write", u.CacheWrite)
	o.count("reasoning", u.Reasoning)
	return append(o.b, '}')
}

// appendStringMap writes the map with its keys sorted, as json.Marshal does.
func appendStringMap(b []byte, m map[string]string) []byte {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(jsonlit.AppendString(b, k), ':')
		b = jsonlit.AppendString(b, m[k])
	}
	return append(b, '}')
}
