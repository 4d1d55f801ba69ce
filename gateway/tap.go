package gateway

import (
	"strings"

	"github.com/tidwall/gjson"

	"github.com/fledgling-ai/fledgling/internal/capture"
	"github.com/fledgling-ai/fledgling/internal/openai"
)

// tap reassembles the answer from a copy of the stream's events: content,
// tool calls joined by index, finish reason, usage, model and id. It never
// touches the bytes relayed to the client. For chat and completions the
// parsed event aliases the reader's buffer (see eventJSON), so every string
// the tap keeps from those events is cloned or copied into a builder.
type tap struct {
	kind     capture.Kind
	msg      openai.Message
	calls    []openai.ToolCall
	content  strings.Builder // text deltas, appended to msg.Content at the end
	refusal  strings.Builder
	finished bool // a finish_reason or a terminal responses event was seen
	failed   string
}

func newTap(kind capture.Kind) *tap { return &tap{kind: kind} }

// fields are an event's top-level fields the gateway reads, found in one
// pass over the event (the first occurrence of a key wins, as gjson.Get).
type fields struct{ err, id, model, usage, choices gjson.Result }

func scanFields(r gjson.Result) (f fields) {
	r.ForEach(func(k, v gjson.Result) bool {
		switch k.Str {
		case "error":
			first(&f.err, v)
		case "id":
			first(&f.id, v)
		case "model":
			first(&f.model, v)
		case "usage":
			first(&f.usage, v)
		case "choices":
			first(&f.choices, v)
		}
		return true
	})
	return f
}

func first(dst *gjson.Result, v gjson.Result) {
	if !dst.Exists() {
		*dst = v
	}
}

// add reads one event: r is its parsed data and f its top-level fields.
func (t *tap) add(name string, r gjson.Result, f *fields) {
	if f.err.Exists() {
		t.failed = strings.Clone(f.err.Get("message").String())
		return
	}
	if t.kind == capture.KindResponses {
		t.addResponses(name, r)
		return
	}
	if t.msg.ID == "" {
		t.msg.ID = strings.Clone(f.id.String())
	}
	if m := f.model.String(); m != "" && m != t.msg.Model {
		t.msg.Model = strings.Clone(m)
	}
	if f.usage.IsObject() {
		t.msg.Usage = openai.ParseUsage(f.usage)
	}
	f.choices.ForEach(func(_, c gjson.Result) bool {
		t.addChoice(c)
		return true
	})
}

// addChoice reads choice 0 of a chunk, scanning its keys once.
func (t *tap) addChoice(c gjson.Result) {
	var index, finish, text, delta gjson.Result
	c.ForEach(func(k, v gjson.Result) bool {
		switch k.Str {
		case "index":
			first(&index, v)
		case "finish_reason":
			first(&finish, v)
		case "text":
			first(&text, v)
		case "delta":
			first(&delta, v)
		}
		return true
	})
	if index.Int() != 0 {
		return
	}
	if fr := finish.String(); fr != "" {
		t.msg.FinishReason, t.finished = strings.Clone(fr), true
	}
	if text.Exists() { // legacy completions
		t.content.WriteString(text.String())
		return
	}
	t.addDelta(delta)
}

func (t *tap) addDelta(d gjson.Result) {
	var content, refusal, calls gjson.Result
	d.ForEach(func(k, v gjson.Result) bool {
		switch k.Str {
		case "content":
			first(&content, v)
		case "refusal":
			first(&refusal, v)
		case "tool_calls":
			first(&calls, v)
		}
		return true
	})
	t.content.WriteString(content.String())
	t.refusal.WriteString(refusal.String())
	calls.ForEach(func(_, tc gjson.Result) bool {
		t.addToolCall(tc)
		return true
	})
}

func (t *tap) addToolCall(tc gjson.Result) {
	i := int(tc.Get("index").Int())
	if i < 0 || i > 1024 {
		return
	}
	for len(t.calls) <= i {
		t.calls = append(t.calls, openai.ToolCall{})
	}
	c := &t.calls[i]
	if id := tc.Get("id").String(); id != "" {
		c.ID = strings.Clone(id)
	}
	if typ := tc.Get("type").String(); typ != "" {
		c.Type = strings.Clone(typ)
	}
	if n := tc.Get("function.name").String(); n != "" {
		c.Name = strings.Clone(n)
	}
	// The event's bytes are reused by the next event: keep a copy (a
	// concatenation onto "" would return the argument itself).
	if args := tc.Get("function.arguments").String(); c.Arguments == "" {
		c.Arguments = strings.Clone(args)
	} else {
		c.Arguments += args
	}
}

func (t *tap) addResponses(name string, r gjson.Result) {
	typ := r.Get("type").String()
	if typ == "" {
		typ = name
	}
	switch typ {
	case "response.created", "response.in_progress":
		t.msg.ID, t.msg.Model = r.Get("response.id").String(), r.Get("response.model").String()
	case "response.output_text.delta":
		t.content.WriteString(r.Get("delta").String())
	case "response.completed", "response.incomplete":
		t.msg, t.finished = parseResponsesObject(r.Get("response")), true
		t.content.Reset()
	case "response.failed", "error":
		t.failed = r.Get("response.error.message").String()
		if t.failed == "" {
			t.failed = r.Get("message").String()
		}
		if t.failed == "" {
			t.failed = typ
		}
	}
}

// message is the reassembled answer so far.
func (t *tap) message() openai.Message {
	m := t.msg
	m.Content += t.content.String()
	m.Refusal += t.refusal.String()
	if len(t.calls) > 0 {
		m.ToolCalls = t.calls
	}
	return m
}

// parseResponsesObject reads a Responses API response object: output text,
// function calls, usage, and a chat-style finish reason.
func parseResponsesObject(r gjson.Result) openai.Message {
	m := openai.Message{ID: r.Get("id").String(), Model: r.Get("model").String(), Usage: openai.ParseUsage(r.Get("usage"))}
	r.Get("output").ForEach(func(_, item gjson.Result) bool {
		switch item.Get("type").String() {
		case "message":
			item.Get("content").ForEach(func(_, part gjson.Result) bool {
				switch part.Get("type").String() {
				case "output_text":
					m.Content += part.Get("text").String()
				case "refusal":
					m.Refusal += part.Get("refusal").String()
				}
				return true
			})
		case "function_call":
			m.ToolCalls = append(m.ToolCalls, openai.ToolCall{ID: item.Get("call_id").String(), Type: "function",
				Name: item.Get("name").String(), Arguments: item.Get("arguments").String()})
		}
		return true
	})
	switch {
	case r.Get("status").String() == "incomplete":
		m.FinishReason = "length"
		if reason := r.Get("incomplete_details.reason").String(); reason == "content_filter" {
			m.FinishReason = reason
		}
	case len(m.ToolCalls) > 0:
		m.FinishReason = "tool_calls"
	case r.Get("status").String() == "completed":
		m.FinishReason = "stop"
	}
	return m
}

// parseAnswer reads a non-streamed response body of kind.
func parseAnswer(kind capture.Kind, body []byte) openai.Message {
	switch kind {
	case capture.KindResponses:
		return parseResponsesObject(gjson.ParseBytes(body))
	case capture.KindEmbedding:
		r := gjson.ParseBytes(body)
		return openai.Message{Model: r.Get("model").String(), Usage: openai.ParseUsage(r.Get("usage"))}
	}
	m, _ := openai.ParseChatResponse(body)
	return m
}
