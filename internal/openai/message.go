package openai

import (
	"encoding/json"
	"fmt"

	"github.com/tidwall/gjson"

	"github.com/fledgling-ai/fledgling/internal/jsonlit"
)

// ToolCall is one function call the assistant asked for.
type ToolCall struct {
	ID        string `json:"id,omitempty"`
	Type      string `json:"type,omitempty"`
	Name      string `json:"name"`
	Arguments string `json:"arguments"`
}

// Message is the assistant's answer, reassembled: for a stream, the content
// deltas concatenated and the tool-call argument fragments joined by index.
type Message struct {
	ID           string     `json:"id,omitempty"`
	Model        string     `json:"model,omitempty"`
	Content      string     `json:"content,omitempty"`
	Refusal      string     `json:"refusal,omitempty"`
	ToolCalls    []ToolCall `json:"tool_calls,omitempty"`
	FinishReason string     `json:"finish_reason,omitempty"`
	Usage        Usage      `json:"usage"`
}

// ParseChatResponse reads a non-streamed chat completion (first choice) or a
// legacy completion ("text").
func ParseChatResponse(body []byte) (Message, error) {
	if !gjson.ValidBytes(body) {
		return Message{}, fmt.Errorf("response is not valid JSON")
	}
	r := gjson.ParseBytes(body)
	m := Message{ID: r.Get("id").String(), Model: r.Get("model").String(), Usage: ParseUsage(r.Get("usage"))}
	choice := r.Get("choices.0")
	m.FinishReason = choice.Get("finish_reason").String()
	if t := choice.Get("text"); t.Exists() {
		m.Content = t.String()
		return m, nil
	}
	msg := choice.Get("message")
	m.Content = msg.Get("content").String()
	m.Refusal = msg.Get("refusal").String()
	msg.Get("tool_calls").ForEach(func(_, tc gjson.Result) bool {
		m.ToolCalls = append(m.ToolCalls, ToolCall{
			ID: tc.Get("id").String(), Type: tc.Get("type").String(),
			Name: tc.Get("function.name").String(), Arguments: tc.Get("function.arguments").String(),
		})
		return true
	})
	return m, nil
}

// AssistantJSON renders m as an OpenAI assistant message object (for
// fine-tuning datasets and trace outputs): role, content (null when there
// are tool calls and no text) and tool calls. It writes the bytes
// json.Marshal would (TestAssistantJSONMatchesJSONMarshal), without
// reflection: trace building renders one per call.
func (m Message) AssistantJSON() json.RawMessage {
	n := 48 + len(m.Content)
	for _, tc := range m.ToolCalls {
		n += 64 + len(tc.ID) + len(tc.Name) + len(tc.Arguments)
	}
	b := append(make([]byte, 0, n), `{"role":"assistant","content":`...)
	if m.Content != "" || len(m.ToolCalls) == 0 {
		b = jsonlit.AppendString(b, m.Content)
	} else {
		b = append(b, "null"...)
	}
	if len(m.ToolCalls) > 0 {
		b = append(b, `,"tool_calls":[`...)
		for i, tc := range m.ToolCalls {
			b = appendToolCall(b, i, tc)
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

// appendToolCall appends the i-th tool call of an assistant message.
func appendToolCall(b []byte, i int, tc ToolCall) []byte {
	if i > 0 {
		b = append(b, ',')
	}
	b = append(b, '{')
	if tc.ID != "" {
		b = append(jsonlit.AppendString(append(b, `"id":`...), tc.ID), ',')
	}
	b = jsonlit.AppendString(append(b, `"type":"function","function":{"name":`...), tc.Name)
	return append(jsonlit.AppendString(append(b, `,"arguments":`...), tc.Arguments), '}', '}')
}
