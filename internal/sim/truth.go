package sim

import (
	"encoding/json"
	"sort"
	"strings"
)

// TruthCall is one expected call: tool name and, per parameter, every
// acceptable value ("" in the list means the parameter may be omitted;
// nested objects list acceptable values per field again, as BFCL does).
type TruthCall struct {
	Name string
	Args map[string][]any
}

// Call is one function call of an answer.
type Call struct {
	Name string         `json:"name"`
	Args map[string]any `json:"arguments"`
}

// canonicalCall is the call the simulated large model makes: every
// parameter with its first acceptable value, omittable ones without a value
// left out.
func (t TruthCall) canonicalCall() Call {
	args := map[string]any{}
	for k, acceptable := range t.Args {
		if v, ok := pickValue(acceptable); ok {
			args[k] = v
		}
	}
	return Call{Name: t.Name, Args: args}
}

func pickValue(acceptable []any) (any, bool) {
	for _, a := range acceptable {
		if s, ok := a.(string); ok && s == "" {
			continue
		}
		return resolve(a), true
	}
	return nil, false
}

// resolve turns one acceptable value into a concrete value: nested objects
// hold acceptable-value lists per field.
func resolve(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, f := range x {
			if list, ok := f.([]any); ok {
				if pv, ok := pickValue(list); ok {
					out[k] = pv
				}
				continue
			}
			out[k] = resolve(f)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = resolve(e)
		}
		return out
	}
	return v
}

// GradeCalls reports whether calls satisfy the expected calls in any order
// (BFCL's parallel rule): same count, and each expected call matched by a
// distinct call with the same name and acceptable arguments.
func GradeCalls(calls []Call, truth []TruthCall) bool {
	if len(calls) != len(truth) {
		return false
	}
	used := make([]bool, len(calls))
	var match func(i int) bool
	match = func(i int) bool {
		if i == len(truth) {
			return true
		}
		for j, c := range calls {
			if !used[j] && callMatches(c, truth[i]) {
				used[j] = true
				if match(i + 1) {
					return true
				}
				used[j] = false
			}
		}
		return false
	}
	return match(0)
}

func callMatches(c Call, t TruthCall) bool {
	if c.Name != t.Name {
		return false
	}
	for k := range c.Args {
		if _, ok := t.Args[k]; !ok {
			return false
		}
	}
	for k, acceptable := range t.Args {
		got, present := c.Args[k]
		if !present {
			if !omittable(acceptable) {
				return false
			}
			continue
		}
		if !matchAny(got, acceptable) {
			return false
		}
	}
	return true
}

func omittable(acceptable []any) bool {
	for _, a := range acceptable {
		if s, ok := a.(string); ok && s == "" {
			return true
		}
	}
	return false
}

func matchAny(got any, acceptable []any) bool {
	for _, a := range acceptable {
		if s, ok := a.(string); ok && s == "" {
			continue
		}
		if matchOne(got, a) {
			return true
		}
	}
	return false
}

func matchOne(got, want any) bool {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return false
		}
		wantArgs := map[string][]any{}
		for k, f := range w {
			if list, ok := f.([]any); ok {
				wantArgs[k] = list
			} else {
				wantArgs[k] = []any{f}
			}
		}
		return callMatches(Call{Args: g}, TruthCall{Args: wantArgs})
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return false
		}
		for i := range w {
			if !matchOne(g[i], w[i]) {
				return false
			}
		}
		return true
	case float64:
		g, ok := got.(float64)
		return ok && g == w
	case string:
		g, ok := got.(string)
		return ok && strings.EqualFold(strings.TrimSpace(g), strings.TrimSpace(w))
	}
	return got == want
}

// canonicalJSON encodes v with sorted keys (encoding/json sorts map keys).
func canonicalJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func sortedArgKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func jsonUnmarshalString(s string, v any) error { return json.Unmarshal([]byte(s), v) }
