package eval

import (
	"github.com/tidwall/gjson"

	"github.com/fledgling-ai/fledgling/internal/openai"
)

// Input is one pair to score.
type Input struct {
	Request   []byte         // the request body as the client sent it
	Reference openai.Message // the primary's answer
	Candidate openai.Message // the candidate's answer
}

// Result is one evaluator's verdict on one pair. Skipped means the evaluator
// does not apply (e.g. json_schema without a schema) and is not counted.
type Result struct {
	Evaluator string  `json:"evaluator"`
	Score     float64 `json:"score"`
	Pass      bool    `json:"pass"`
	Skipped   bool    `json:"skipped,omitempty"`
	Note      string  `json:"note,omitempty"`
	// Subs are sub-scores counted as evaluators of their own, named
	// "<evaluator>.<part>" (e.g. tool_call.name, tool_call.args).
	Subs []Result `json:"subs,omitempty"`
}

// Evaluator scores a pair.
type Evaluator interface {
	Name() string
	Evaluate(in Input) Result
}

// Options tune the evaluators.
type Options struct {
	// CaseFold makes exact_match compare text case-insensitively.
	CaseFold bool
}

// New returns the named evaluator, or false for a name this package does not
// implement (llm_judge lives in shadow because it calls a model).
func New(name string, o Options) (Evaluator, bool) {
	switch name {
	case "json_valid":
		return JSONValid{}, true
	case "json_schema":
		return newJSONSchema(), true
	case "exact_match":
		return ExactMatch{CaseFold: o.CaseFold}, true
	case "json_fields":
		return JSONFields{}, true
	case "tool_call":
		return ToolCall{}, true
	}
	return nil, false
}

// Defaults chooses evaluators from the request when a route lists none:
// tool_call when tools are sent, json_valid+json_schema+json_fields for a
// json_schema response format, json_valid+json_fields for json_object, and
// exact_match otherwise.
func Defaults(request []byte) []string {
	r := gjson.ParseBytes(request)
	if t := r.Get("tools"); t.IsArray() && len(t.Array()) > 0 {
		return []string{"tool_call"}
	}
	switch r.Get("response_format.type").String() {
	case "json_schema":
		return []string{"json_valid", "json_schema", "json_fields"}
	case "json_object":
		return []string{"json_valid", "json_fields"}
	}
	return []string{"exact_match"}
}

func boolScore(ok bool) float64 {
	if ok {
		return 1
	}
	return 0
}

func skipped(name, note string) Result { return Result{Evaluator: name, Skipped: true, Note: note} }
