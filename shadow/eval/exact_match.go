package eval

import (
	"sort"
	"strings"

	"github.com/fledgling-ai/fledgling/internal/openai"
)

// ExactMatch passes when the candidate's answer equals the reference after
// canonicalisation: JSON compared structurally (key order, whitespace,
// number formatting, code fences), text with whitespace collapsed and
// <think> blocks stripped (case-folded with CaseFold), tool calls compared
// by name and canonical arguments as a multiset.
type ExactMatch struct{ CaseFold bool }

// Name implements Evaluator.
func (ExactMatch) Name() string { return "exact_match" }

// Evaluate implements Evaluator.
func (e ExactMatch) Evaluate(in Input) Result {
	ok := canonicalContent(in.Candidate.Content, e.CaseFold) == canonicalContent(in.Reference.Content, e.CaseFold) &&
		canonicalCalls(in.Candidate) == canonicalCalls(in.Reference)
	return Result{Evaluator: "exact_match", Score: boolScore(ok), Pass: ok}
}

func canonicalCalls(m openai.Message) string {
	calls := m.ToolCalls
	out := make([]string, len(calls))
	for i, c := range calls {
		out[i] = c.Name + "(" + canonicalArgs(c.Arguments) + ")"
	}
	sort.Strings(out)
	return strings.Join(out, ";")
}

func canonicalArgs(s string) string {
	if v, ok := decodeJSON(s); ok {
		return Canonical(v)
	}
	return "raw:" + strings.TrimSpace(s)
}
