package eval

import (
	"sort"

	"github.com/tidwall/gjson"

	"github.com/fledgling-ai/fledgling/internal/openai"
)

// ToolCall compares tool calls: the same decision to call or not, the same
// tool names, and arguments equal as JSON (key order, whitespace and number
// formatting ignored; an optional parameter omitted on one side equals the
// other side's value when that is null or the tool schema's default).
// Parallel calls are a multiset: order never matters. Sub-scores:
// tool_call.decision, tool_call.name (multiset overlap of names) and
// tool_call.args (share of calls whose arguments agree fully). Score =
// ¼ decision + ¼ name + ½ args; pass when every call pairs up exactly.
type ToolCall struct{}

// Name implements Evaluator.
func (ToolCall) Name() string { return "tool_call" }

// Evaluate implements Evaluator.
func (ToolCall) Evaluate(in Input) Result {
	ref, cand := in.Reference.ToolCalls, in.Candidate.ToolCalls
	if len(ref) == 0 && len(cand) == 0 {
		return toolResult(1, 1, 1, "neither answer calls a tool")
	}
	if len(ref) == 0 || len(cand) == 0 {
		return toolResult(0, 0, 0, "one answer calls a tool, the other does not")
	}
	schemas := toolSchemas(in.Request)
	denom := float64(max(len(ref), len(cand)))
	names := float64(nameOverlap(ref, cand)) / denom
	full, partial := matchArgs(ref, cand, schemas)
	r := toolResult(1, names, full/denom, "")
	r.Subs = append(r.Subs, Result{Evaluator: "tool_call.args_partial", Score: partial / denom, Pass: full == denom})
	return r
}

func toolResult(decision, name, args float64, note string) Result {
	score := 0.25*decision + 0.25*name + 0.5*args
	return Result{Evaluator: "tool_call", Score: score, Pass: score == 1, Note: note, Subs: []Result{
		{Evaluator: "tool_call.decision", Score: decision, Pass: decision == 1},
		{Evaluator: "tool_call.name", Score: name, Pass: name == 1},
		{Evaluator: "tool_call.args", Score: args, Pass: args == 1},
	}}
}

func nameOverlap(ref, cand []openai.ToolCall) int {
	count := map[string]int{}
	for _, c := range ref {
		count[c.Name]++
	}
	n := 0
	for _, c := range cand {
		if count[c.Name] > 0 {
			count[c.Name]--
			n++
		}
	}
	return n
}

// matchArgs pairs reference and candidate calls of the same name, best
// agreement first, and returns how many pairs agree fully and the sum of
// per-pair field agreement (partial credit).
func matchArgs(ref, cand []openai.ToolCall, schemas map[string]gjson.Result) (full, partial float64) {
	type edge struct {
		i, j  int
		score float64
	}
	var edges []edge
	for i, r := range ref {
		for j, c := range cand {
			if r.Name == c.Name {
				edges = append(edges, edge{i, j, argAgreement(r.Arguments, c.Arguments, schemas[r.Name])})
			}
		}
	}
	sort.SliceStable(edges, func(a, b int) bool { return edges[a].score > edges[b].score })
	usedR, usedC := map[int]bool{}, map[int]bool{}
	for _, e := range edges {
		if usedR[e.i] || usedC[e.j] {
			continue
		}
		usedR[e.i], usedC[e.j] = true, true
		partial += e.score
		if e.score == 1 {
			full++
		}
	}
	return full, partial
}

// argAgreement is the share of argument keys (union of both sides) whose
// values agree canonically. Non-object arguments compare whole.
func argAgreement(refArgs, candArgs string, schema gjson.Result) float64 {
	rv, rok := decodeJSON(refArgs)
	cv, cok := decodeJSON(candArgs)
	rm, rIsObj := rv.(map[string]any)
	cm, cIsObj := cv.(map[string]any)
	if !rok || !cok || !rIsObj || !cIsObj {
		return boolScore(canonicalArgs(refArgs) == canonicalArgs(candArgs))
	}
	keys := map[string]bool{}
	for k := range rm {
		keys[k] = true
	}
	for k := range cm {
		keys[k] = true
	}
	if len(keys) == 0 {
		return 1
	}
	agree := 0
	for k := range keys {
		if argEqual(k, rm, cm, schema) {
			agree++
		}
	}
	return float64(agree) / float64(len(keys))
}

func argEqual(k string, rm, cm map[string]any, schema gjson.Result) bool {
	r, rok := rm[k]
	c, cok := cm[k]
	if rok && cok {
		return Canonical(r) == Canonical(c)
	}
	present := r
	if cok {
		present = c
	}
	if present == nil {
		return true // null vs absent
	}
	if isRequired(schema, k) {
		return false
	}
	def := schema.Get("properties." + gjson.Escape(k) + ".default")
	if !def.Exists() {
		return false
	}
	dv, ok := decodeJSON(def.Raw)
	return ok && Canonical(dv) == Canonical(present)
}

func isRequired(schema gjson.Result, k string) bool {
	for _, r := range schema.Get("required").Array() {
		if r.String() == k {
			return true
		}
	}
	return false
}

// toolSchemas maps each offered function's name to its parameters schema.
func toolSchemas(request []byte) map[string]gjson.Result {
	out := map[string]gjson.Result{}
	gjson.GetBytes(request, "tools").ForEach(func(_, t gjson.Result) bool {
		out[t.Get("function.name").String()] = t.Get("function.parameters")
		return true
	})
	return out
}
