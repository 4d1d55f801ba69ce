package trainer

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/fledgling-ai/fledgling/internal/capture"
)

// ftLine is the part of an OpenAI chat fine-tuning line that is checked.
type ftLine struct {
	Messages []struct {
		Role       string          `json:"role"`
		Content    json.RawMessage `json:"content"`
		ToolCallID string          `json:"tool_call_id"`
		ToolCalls  []struct {
			ID       string `json:"id"`
			Type     string `json:"type"`
			Function struct {
				Name      *string `json:"name"`
				Arguments *string `json:"arguments"`
			} `json:"function"`
		} `json:"tool_calls"`
	} `json:"messages"`
	Tools []struct {
		Type     string `json:"type"`
		Function struct {
			Name string `json:"name"`
		} `json:"function"`
	} `json:"tools"`
	ParallelToolCalls *bool `json:"parallel_tool_calls"`
}

// ValidateOpenAILine checks one line of OpenAI chat fine-tuning JSONL: it is
// a JSON object; messages use the roles system, user, assistant, tool; the
// last message is an assistant message with content or tool calls; every
// tool call is a named function with JSON arguments; every tool message
// answers a call id; every tool is a named function.
func ValidateOpenAILine(line []byte) error {
	var l ftLine
	if err := json.Unmarshal(line, &l); err != nil {
		return fmt.Errorf("not a JSON object: %w", err)
	}
	if len(l.Messages) < 2 {
		return errors.New("needs at least a prompt message and an assistant answer")
	}
	for i, m := range l.Messages {
		if err := checkMessage(m.Role, m.Content, m.ToolCallID, len(m.ToolCalls)); err != nil {
			return fmt.Errorf("messages[%d]: %w", i, err)
		}
		for j, tc := range m.ToolCalls {
			if tc.Type != "function" || tc.Function.Name == nil || *tc.Function.Name == "" {
				return fmt.Errorf("messages[%d].tool_calls[%d]: must be a named function", i, j)
			}
			if tc.Function.Arguments == nil || !json.Valid([]byte(*tc.Function.Arguments)) {
				return fmt.Errorf("messages[%d].tool_calls[%d]: arguments must be a JSON string", i, j)
			}
		}
	}
	if last := l.Messages[len(l.Messages)-1]; last.Role != "assistant" {
		return errors.New("the last message must be the assistant's answer")
	}
	for i, t := range l.Tools {
		if t.Type != "function" || t.Function.Name == "" {
			return fmt.Errorf("tools[%d]: must be a named function", i)
		}
	}
	return nil
}

func checkMessage(role string, content json.RawMessage, toolCallID string, calls int) error {
	hasContent := len(content) > 0 && string(content) != "null"
	switch role {
	case "system", "user":
		if !hasContent {
			return errors.New("has no content")
		}
	case "assistant":
		if !hasContent && calls == 0 {
			return errors.New("assistant message has neither content nor tool_calls")
		}
	case "tool":
		if toolCallID == "" {
			return errors.New("tool message has no tool_call_id")
		}
	default:
		return fmt.Errorf("role %q is not one of system, user, assistant, tool", role)
	}
	return nil
}

// Checks a record's answer can be required to pass (trainer.dataset.require).
var checks = map[string]func(*capture.Record) bool{
	"json_valid": func(r *capture.Record) bool {
		return json.Valid([]byte(strings.TrimSpace(r.Response.Content)))
	},
	"tool_calls": func(r *capture.Record) bool { return len(r.Response.ToolCalls) > 0 },
	"tool_args_json": func(r *capture.Record) bool {
		for _, tc := range r.Response.ToolCalls {
			if !json.Valid([]byte(tc.Arguments)) {
				return false
			}
		}
		return true
	},
}
