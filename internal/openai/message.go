package openai

import (
	"encoding/json"
	"fmt"

	"github.com/tidwall/gjson"
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
// fine-tuning datasets and trace outputs).
func (m Message) AssistantJSON() json.RawMessage {
	type fn struct {
		Name      string `json:"name"`
		Arguments string `json:"arguments"`
	}
	type call struct {
		ID       string `json:"id,omitempty"`
		Type     string `json:"type"`
		Function fn     `json:"function"`
	}
	out := struct {
		Role      string  `json:"role"`
		Content   *string `json:"content"`
		ToolCalls []call  `json:"tool_calls,omitempty"`
	}{Role: "assistant"}
	if m.Content != "" || len(m.ToolCalls) == 0 {
		c := m.Content
		out.Content = &c
	}
	for _, tc := range m.ToolCalls {
		out.ToolCalls = append(out.ToolCalls, call{ID: tc.ID, Type: "function", Function: fn{tc.Name, tc.Arguments}})
	}
	b, _ := json.Marshal(out)
	return b
}
