package gateway

import (
	"github.com/tidwall/gjson"

	"github.com/fledgling-ai/fledgling/internal/capture"
	"github.com/fledgling-ai/fledgling/internal/openai"
)

// tap reassembles the answer from a copy of the stream's events: content,
// tool calls joined by index, finish reason, usage, model and id. It never
// touches the bytes relayed to the client.
type tap struct {
	kind     capture.Kind
	msg      openai.Message
	calls    []openai.ToolCall
	finished bool // a finish_reason or a terminal responses event was seen
	failed   string
}

func newTap(kind capture.Kind) *tap { return &tap{kind: kind} }

// add reads one event's data.
func (t *tap) add(name string, data []byte) {
	r := gjson.ParseBytes(data)
	if e := r.Get("error"); e.Exists() {
		t.failed = e.Get("message").String()
		return
	}
	if t.kind == capture.KindResponses {
		t.addResponses(name, r)
		return
	}
	if t.msg.ID == "" {
		t.msg.ID = r.Get("id").String()
	}
	if m := r.Get("model").String(); m != "" {
		t.msg.Model = m
	}
	if u := r.Get("usage"); u.IsObject() {
		t.msg.Usage = openai.ParseUsage(u)
	}
	r.Get("choices").ForEach(func(_, c gjson.Result) bool {
		if c.Get("index").Int() == 0 {
			t.addChoice(c)
		}
		return true
	})
}

func (t *tap) addChoice(c gjson.Result) {
	if fr := c.Get("finish_reason").String(); fr != "" {
		t.msg.FinishReason, t.finished = fr, true
	}
	if txt := c.Get("text"); txt.Exists() { // legacy completions
		t.msg.Content += txt.String()
		return
	}
	d := c.Get("delta")
	t.msg.Content += d.Get("content").String()
	t.msg.Refusal += d.Get("refusal").String()
	d.Get("tool_calls").ForEach(func(_, tc gjson.Result) bool {
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
		c.ID = id
	}
	if typ := tc.Get("type").String(); typ != "" {
		c.Type = typ
	}
	if n := tc.Get("function.name").String(); n != "" {
		c.Name = n
	}
	c.Arguments += tc.Get("function.arguments").String()
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
		t.msg.Content += r.Get("delta").String()
	case "response.completed", "response.incomplete":
		t.msg, t.finished = parseResponsesObject(r.Get("response")), true
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
