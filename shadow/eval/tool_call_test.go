package eval

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/tidwall/gjson"

	"github.com/fledgling-ai/fledgling/internal/openai"
)

func withArgs(calls []openai.ToolCall, f func(string) string) []openai.ToolCall {
	out := slices.Clone(calls)
	for i := range out {
		out[i].Arguments = f(out[i].Arguments)
		out[i].ID = "call_cand" + string(rune('0'+i)) // ids differ between models
	}
	return out
}

func setArg(args, key string, v any) string {
	m := map[string]any{}
	json.Unmarshal([]byte(args), &m)
	if v == nil {
		delete(m, key)
	} else {
		m[key] = v
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func findCase(t *testing.T, cases []bfclCase, id string) bfclCase {
	t.Helper()
	for _, c := range cases {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("BFCL case %s not loaded", id)
	return bfclCase{}
}

func TestToolCallOnBFCLVariants(t *testing.T) {
	simple, multiple, parallel := loadBFCL(t, "simple_python"), loadBFCL(t, "multiple"), loadBFCL(t, "parallel")
	tri := findCase(t, simple, "simple_python_0") // calculate_triangle_area(base=10, height=5)
	spot := findCase(t, parallel, "parallel_0")   // spotify_play ×2
	mult := findCase(t, multiple, "multiple_0")
	triNoUnit := tri
	triNoUnit.Calls = withArgs(tri.Calls, func(s string) string { return setArg(s, "unit", nil) })
	other := gjson.GetBytes(mult.Request, "tools.1.function.name").String()

	type tc struct {
		name                  string
		c                     bfclCase
		cand                  []openai.ToolCall
		pass                  bool
		decision, nameS, args float64
	}
	cases := []tc{
		{"same calls", tri, withArgs(tri.Calls, func(s string) string { return s }), true, 1, 1, 1},
		{"keys reordered, extra whitespace", tri, withArgs(tri.Calls, func(s string) string { return restyle(s, style{reverseKeys: true, spaces: true}) }), true, 1, 1, 1},
		{"10 written as 10.0", tri, withArgs(tri.Calls, func(s string) string { return restyle(s, style{floaty: true}) }), true, 1, 1, 1},
		{"wrong argument value", tri, withArgs(tri.Calls, func(s string) string { return setArg(s, "height", 6) }), false, 1, 1, 0},
		{"number sent as a string", tri, withArgs(tri.Calls, func(s string) string { return setArg(s, "base", "10") }), false, 1, 1, 0},
		{"missing required argument", tri, withArgs(tri.Calls, func(s string) string { return setArg(s, "height", nil) }), false, 1, 1, 0},
		{"optional arg omitted, schema states no default", tri, withArgs(tri.Calls, func(s string) string { return setArg(s, "unit", nil) }), false, 1, 1, 0},
		{"optional arg null where the reference left it out", triNoUnit, withArgs(tri.Calls, func(s string) string { return setArg(s, "unit", json.RawMessage("null")) }), true, 1, 1, 1},
		{"no call where one was due", tri, nil, false, 0, 0, 0},
		{"wrong function of several offered", mult, []openai.ToolCall{{Name: other, Arguments: mult.Calls[0].Arguments}}, false, 1, 0, 0},
		{"parallel calls in another order", spot, reversed(withArgs(spot.Calls, func(s string) string { return restyle(s, style{reverseKeys: true}) })), true, 1, 1, 1},
		{"parallel: one call missing", spot, spot.Calls[:1], false, 1, 0.5, 0.5},
		{"parallel: one call duplicated instead of the other", spot, []openai.ToolCall{spot.Calls[0], spot.Calls[0]}, false, 1, 1, 0.5},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := ToolCall{}.Evaluate(Input{Request: c.c.Request, Reference: openai.Message{ToolCalls: c.c.Calls}, Candidate: openai.Message{ToolCalls: c.cand}})
			if r.Pass != c.pass || sub(r, "tool_call.decision") != c.decision || sub(r, "tool_call.name") != c.nameS || sub(r, "tool_call.args") != c.args {
				t.Fatalf("%s: pass=%v decision=%g name=%g args=%g (score %g, %s); want pass=%v %g/%g/%g\nref  %+v\ncand %+v",
					c.c.ID, r.Pass, sub(r, "tool_call.decision"), sub(r, "tool_call.name"), sub(r, "tool_call.args"), r.Score, r.Note,
					c.pass, c.decision, c.nameS, c.args, c.c.Calls, c.cand)
			}
			if r.Score < 0 || r.Score > 1 || (r.Pass != (r.Score == 1)) {
				t.Fatalf("score %g inconsistent with pass %v", r.Score, r.Pass)
			}
		})
	}
}

// TestToolCallOmittedDefault: BFCL answers list "" for parameters that may be
// omitted; where the tool schema states the default, a candidate that omits
// the argument agrees with a reference that spelled the default out.
func TestToolCallOmittedDefault(t *testing.T) {
	found := 0
	for _, set := range []string{"simple_python", "multiple", "parallel"} {
		for _, c := range loadBFCL(t, set) {
			schemas := toolSchemas(c.Request)
			for i, call := range c.Calls {
				args := map[string]any{}
				json.Unmarshal([]byte(call.Arguments), &args)
				for k := range args {
					def := schemas[call.Name].Get("properties." + gjson.Escape(k) + ".default")
					if !def.Exists() || isRequired(schemas[call.Name], k) || Canonical(mustDecode(def.Raw)) != Canonical(mustDecode(mustJSON(args[k]))) {
						continue
					}
					found++
					cand := slices.Clone(c.Calls)
					cand[i].Arguments = setArg(call.Arguments, k, nil)
					r := ToolCall{}.Evaluate(Input{Request: c.Request, Reference: openai.Message{ToolCalls: c.Calls}, Candidate: openai.Message{ToolCalls: cand}})
					if !r.Pass {
						t.Errorf("%s: omitting %s (default %s) failed: %+v", c.ID, k, def.Raw, r)
					}
				}
			}
		}
	}
	if found == 0 {
		t.Fatal("no BFCL case with a schema default was found; the test exercised nothing")
	}
	t.Logf("%d omitted-default arguments checked", found)
}

// TestToolCallSweepsAllBFCL: over every question, the accepted answer
// restyled (keys reordered, whitespace, number formatting, calls reversed)
// passes, and the same answer with one argument value changed fails.
func TestToolCallSweepsAllBFCL(t *testing.T) {
	n := 0
	for _, set := range []string{"simple_python", "multiple", "parallel"} {
		for _, c := range loadBFCL(t, set) {
			ref := openai.Message{ToolCalls: c.Calls}
			same := reversed(withArgs(c.Calls, func(s string) string { return restyle(s, style{reverseKeys: true, spaces: true, floaty: true}) }))
			if r := (ToolCall{}).Evaluate(Input{Request: c.Request, Reference: ref, Candidate: openai.Message{ToolCalls: same}}); !r.Pass {
				t.Errorf("%s: restyled answer failed: %+v", c.ID, r)
			}
			wrong, ok := perturb(c.Calls)
			if !ok {
				continue
			}
			if r := (ToolCall{}).Evaluate(Input{Request: c.Request, Reference: ref, Candidate: openai.Message{ToolCalls: wrong}}); r.Pass || sub(r, "tool_call.name") != 1 {
				t.Errorf("%s: wrong value passed or lost the name: %+v", c.ID, r)
			}
			n++
		}
	}
	t.Logf("%d BFCL questions swept", n)
}

// perturb changes the first argument of the first call that has one.
func perturb(calls []openai.ToolCall) ([]openai.ToolCall, bool) {
	out := slices.Clone(calls)
	for i, c := range out {
		m := map[string]any{}
		json.Unmarshal([]byte(c.Arguments), &m)
		for k := range m {
			out[i].Arguments = setArg(c.Arguments, k, "a wrong value 42")
			return out, true
		}
	}
	return nil, false
}

func reversed(c []openai.ToolCall) []openai.ToolCall {
	out := slices.Clone(c)
	slices.Reverse(out)
	return out
}

func sub(r Result, name string) float64 {
	for _, s := range r.Subs {
		if s.Evaluator == name {
			return s.Score
		}
	}
	return -1
}

func mustDecode(s string) any {
	v, ok := decodeJSON(s)
	if !ok {
		panic("bad json " + s)
	}
	return v
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
