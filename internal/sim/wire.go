package sim

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"time"
)

// The OpenAI chat-completions wire format, as the simulator writes it.

type wireUsage struct {
	PromptTokens        int64 `json:"prompt_tokens"`
	CompletionTokens    int64 `json:"completion_tokens"`
	TotalTokens         int64 `json:"total_tokens"`
	PromptTokensDetails struct {
		CachedTokens int64 `json:"cached_tokens"`
		AudioTokens  int64 `json:"audio_tokens"`
	} `json:"prompt_tokens_details"`
	CompletionTokensDetails struct {
		ReasoningTokens          int64 `json:"reasoning_tokens"`
		AudioTokens              int64 `json:"audio_tokens"`
		AcceptedPredictionTokens int64 `json:"accepted_prediction_tokens"`
		RejectedPredictionTokens int64 `json:"rejected_prediction_tokens"`
	} `json:"completion_tokens_details"`
}

type wireFunction struct {
	Name      string `json:"name,omitempty"`
	Arguments string `json:"arguments"`
}

type wireToolCall struct {
	Index    *int         `json:"index,omitempty"`
	ID       string       `json:"id,omitempty"`
	Type     string       `json:"type,omitempty"`
	Function wireFunction `json:"function"`
}

type wireMessage struct {
	Role        string         `json:"role"`
	Content     *string        `json:"content"`
	Refusal     *string        `json:"refusal"`
	ToolCalls   []wireToolCall `json:"tool_calls,omitempty"`
	Annotations []any          `json:"annotations"`
}

type wireChoice struct {
	Index        int         `json:"index"`
	Message      wireMessage `json:"message"`
	Logprobs     *struct{}   `json:"logprobs"`
	FinishReason string      `json:"finish_reason"`
}

type wireCompletion struct {
	ID                string       `json:"id"`
	Object            string       `json:"object"`
	Created           int64        `json:"created"`
	Model             string       `json:"model"`
	Choices           []wireChoice `json:"choices"`
	Usage             wireUsage    `json:"usage"`
	ServiceTier       string       `json:"service_tier"`
	SystemFingerprint string       `json:"system_fingerprint"`
}

type wireDelta struct {
	Role      string          `json:"role,omitempty"`
	Content   json.RawMessage `json:"content,omitempty"`
	Refusal   json.RawMessage `json:"refusal,omitempty"`
	ToolCalls []wireToolCall  `json:"tool_calls,omitempty"`
}

type wireChunkChoice struct {
	Index        int       `json:"index"`
	Delta        wireDelta `json:"delta"`
	Logprobs     *struct{} `json:"logprobs"`
	FinishReason *string   `json:"finish_reason"`
}

type wireChunk struct {
	ID                string            `json:"id"`
	Object            string            `json:"object"`
	Created           int64             `json:"created"`
	Model             string            `json:"model"`
	ServiceTier       string            `json:"service_tier"`
	SystemFingerprint string            `json:"system_fingerprint"`
	Choices           []wireChunkChoice `json:"choices"`
	Usage             json.RawMessage   `json:"usage,omitempty"`
}

const fingerprint = "fp_fledgling_sim"

func newID(prefix string) string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

func (u usage) wire() wireUsage {
	w := wireUsage{PromptTokens: u.Prompt, CompletionTokens: u.Completion, TotalTokens: u.Prompt + u.Completion}
	w.CompletionTokensDetails.ReasoningTokens = u.Reasoning
	return w
}

func finishReason(a Answer) string {
	if len(a.Calls) > 0 {
		return "tool_calls"
	}
	return "stop"
}

func toolCalls(a Answer) []wireToolCall {
	out := make([]wireToolCall, len(a.Calls))
	for i, c := range a.Calls {
		out[i] = wireToolCall{ID: newID("call_"), Type: "function",
			Function: wireFunction{Name: c.Name, Arguments: canonicalJSON(c.Args)}}
	}
	return out
}

// writeCompletion answers without streaming; false when the client left
// before the answer was ready.
func (s *Server) writeCompletion(ctx context.Context, w http.ResponseWriter, t turn) bool {
	if !sleep(ctx, t.latency) {
		return false
	}
	msg := wireMessage{Role: "assistant", Annotations: []any{}}
	if len(t.answer.Calls) > 0 {
		msg.ToolCalls = toolCalls(t.answer)
	} else {
		content := t.answer.Content
		msg.Content = &content
	}
	resp := wireCompletion{ID: newID("chatcmpl-sim"), Object: "chat.completion", Created: time.Now().Unix(),
		Model: t.model, Usage: t.usage.wire(), ServiceTier: "default", SystemFingerprint: fingerprint,
		Choices: []wireChoice{{Message: msg, FinishReason: finishReason(t.answer)}}}
	body, err := json.Marshal(resp)
	if err != nil {
		return false
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("x-request-id", newID("req_sim"))
	t.commit()
	_, err = w.Write(append(body, '\n'))
	return err == nil
}

// writeError writes the OpenAI error envelope.
func writeError(w http.ResponseWriter, status int, typ, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	if status >= 500 {
		w.Header().Set("x-should-retry", "false")
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{
		"message": msg, "type": typ, "param": nil, "code": code}})
}
