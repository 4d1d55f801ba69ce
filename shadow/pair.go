package shadow

import (
	"encoding/json"
	"time"

	"github.com/fledgling-ai/fledgling/internal/openai"
	"github.com/fledgling-ai/fledgling/shadow/eval"
)

// Pair is one scored shadow comparison: the candidate's answer against the
// primary's answer to the same request. In a reverse pair the candidate
// served the client and the primary was the shadow; the roles stay the same.
type Pair struct {
	ID        int64     `json:"id"`
	CaptureID string    `json:"capture_id"` // the served call's capture (request id)
	Time      time.Time `json:"time"`
	Route     string    `json:"route"`
	Model     string    `json:"model"`   // candidate public name
	Version   string    `json:"version"` // candidate version
	TaskKey   string    `json:"task_key,omitempty"`
	Reverse   bool      `json:"reverse"`

	// Outputs are stored redacted, as {"content","tool_calls"} JSON.
	// ReferenceOutput is only kept for reverse pairs: otherwise the primary's
	// answer is in the capture.
	CandidateOutput json.RawMessage `json:"candidate_output,omitempty"`
	ReferenceOutput json.RawMessage `json:"reference_output,omitempty"`

	CandidateStatus  int           `json:"candidate_status"`
	CandidateLatency time.Duration `json:"candidate_latency"`
	CandidateUsage   openai.Usage  `json:"candidate_usage"`
	CandidateCost    int64         `json:"candidate_cost_micros"`
	CandidatePriced  bool          `json:"candidate_priced"`
	CandidateError   string        `json:"candidate_error,omitempty"`

	PrimaryStatus  int           `json:"primary_status"`
	PrimaryLatency time.Duration `json:"primary_latency"`
	PrimaryCost    int64         `json:"primary_cost_micros"`
	PrimaryPriced  bool          `json:"primary_priced"`
	PrimaryError   string        `json:"primary_error,omitempty"`

	Scores    []eval.Result `json:"scores,omitempty"`
	JudgeCost int64         `json:"judge_cost_micros,omitempty"` // evaluation overhead
}

// storedOutput is how an answer is kept in a pair.
type storedOutput struct {
	Content      string            `json:"content"`
	ToolCalls    []openai.ToolCall `json:"tool_calls,omitempty"`
	FinishReason string            `json:"finish_reason,omitempty"`
}

// encodeOutput renders m for storage, redacting content and tool arguments.
func encodeOutput(m openai.Message, r Redactor) json.RawMessage {
	out := storedOutput{Content: m.Content, FinishReason: m.FinishReason}
	for _, tc := range m.ToolCalls {
		out.ToolCalls = append(out.ToolCalls, openai.ToolCall{Name: tc.Name, Arguments: tc.Arguments})
	}
	if r != nil {
		out.Content = r.String(out.Content)
		for i := range out.ToolCalls {
			out.ToolCalls[i].Arguments = r.String(out.ToolCalls[i].Arguments)
		}
	}
	b, _ := json.Marshal(out)
	return b
}

// flatScores lists every counted score: each evaluator and its sub-scores,
// skipping what did not apply.
func flatScores(rs []eval.Result) []eval.Result {
	var out []eval.Result
	for _, r := range rs {
		if r.Skipped {
			continue
		}
		out = append(out, eval.Result{Evaluator: r.Evaluator, Score: r.Score, Pass: r.Pass})
		for _, s := range r.Subs {
			if !s.Skipped {
				out = append(out, eval.Result{Evaluator: s.Evaluator, Score: s.Score, Pass: s.Pass})
			}
		}
	}
	return out
}
