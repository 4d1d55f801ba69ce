package eval

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// JSONFields gives partial credit on JSON outputs: each leaf field (path →
// canonical value) of the reference is expected in the candidate.
// Precision = matching candidate fields / candidate fields, recall = matching
// reference fields / reference fields, score = F1. A field the candidate
// filled where the reference left it null or out is flagged as hallucinated
// (the failure mode where a small model "wins" by inventing a value). Null
// fields count as absent. Pass only with F1 = 1 and nothing hallucinated.
type JSONFields struct{}

// Name implements Evaluator.
func (JSONFields) Name() string { return "json_fields" }

// Evaluate implements Evaluator.
func (JSONFields) Evaluate(in Input) Result {
	refV, ok := decodeJSON(unfence(StripThink(in.Reference.Content)))
	if !ok {
		return skipped("json_fields", "reference is not JSON")
	}
	candV, ok := decodeJSON(unfence(StripThink(in.Candidate.Content)))
	if !ok {
		return Result{Evaluator: "json_fields", Note: "candidate is not JSON",
			Subs: []Result{{Evaluator: "json_fields.precision"}, {Evaluator: "json_fields.recall"}}}
	}
	ref, cand := map[string]string{}, map[string]string{}
	flatten("$", refV, ref)
	flatten("$", candV, cand)
	return scoreFields(ref, cand)
}

func scoreFields(ref, cand map[string]string) Result {
	var match int
	var halluc []string
	for p, v := range cand {
		if rv, ok := ref[p]; ok && rv == v {
			match++
		} else if !ok {
			halluc = append(halluc, p)
		}
	}
	precision, recall := ratio(match, len(cand)), ratio(match, len(ref))
	f1 := 0.0
	if precision+recall > 0 {
		f1 = 2 * precision * recall / (precision + recall)
	}
	sort.Strings(halluc)
	r := Result{Evaluator: "json_fields", Score: f1, Pass: f1 == 1 && len(halluc) == 0, Subs: []Result{
		{Evaluator: "json_fields.precision", Score: precision, Pass: precision == 1},
		{Evaluator: "json_fields.recall", Score: recall, Pass: recall == 1},
		{Evaluator: "json_fields.hallucinated", Score: boolScore(len(halluc) == 0), Pass: len(halluc) == 0},
	}}
	if len(halluc) > 0 {
		r.Note = "candidate filled fields the reference left null: " + strings.Join(halluc, ", ")
		r.Subs[2].Note = r.Note
	}
	return r
}

// ratio is a/b, with 0/0 = 1 (nothing expected, nothing missed).
func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

// flatten records every non-null leaf of v under its path. Empty objects
// and arrays are leaves of their own so "{}" vs "[]" still differ.
func flatten(path string, v any, out map[string]string) {
	switch x := v.(type) {
	case nil:
	case map[string]any:
		if len(x) == 0 {
			out[path] = "{}"
		}
		for k, e := range x {
			flatten(path+"."+strconv.Quote(k), e, out)
		}
	case []any:
		if len(x) == 0 {
			out[path] = "[]"
		}
		for i, e := range x {
			flatten(fmt.Sprintf("%s[%d]", path, i), e, out)
		}
	default:
		out[path] = Canonical(x)
	}
}
