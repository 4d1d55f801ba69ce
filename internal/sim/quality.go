package sim

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Mistake kinds a simulated model makes when it does not agree with the
// ground truth.
const (
	MistakeWrongValue    = "wrong_value"    // one argument has another value
	MistakeMissingArg    = "missing_arg"    // one argument is left out
	MistakeWrongFunction = "wrong_function" // another function of the task is called
	MistakeNoCall        = "no_call"        // prose instead of a tool call (tool tasks)
	MistakeInvalidJSON   = "invalid_json"   // truncated JSON (JSON tasks)
)

// Profile is how one simulated model behaves.
type Profile struct {
	// Agreement per task name: the probability its answer equals the ground
	// truth. "*" is the default for tasks not listed; without "*", 1.
	Agreement map[string]float64 `json:"agreement"`
	// Latency is the mean time to answer; Jitter spreads it uniformly ±Jitter.
	Latency time.Duration `json:"latency"`
	Jitter  time.Duration `json:"jitter"`
	// PromptScale and CompletionScale multiply the simulated token counts
	// (about one token per four bytes). Default 1.
	PromptScale     float64 `json:"prompt_scale"`
	CompletionScale float64 `json:"completion_scale"`
	// ReasoningTokens are added to completion tokens of every answer
	// (and reported as completion_tokens_details.reasoning_tokens).
	ReasoningTokens int64 `json:"reasoning_tokens"`
	// MistakeWeights chooses among mistake kinds; absent kinds weigh 1, a
	// weight of 0 disables a kind.
	MistakeWeights map[string]float64 `json:"mistake_weights"`
}

// LargeProfile is the default "sim-large": always the ground truth, slower,
// with some reasoning tokens.
func LargeProfile() Profile {
	return Profile{Agreement: map[string]float64{"*": 1}, Latency: 120 * time.Millisecond,
		Jitter: 40 * time.Millisecond, ReasoningTokens: 32}
}

// SmallProfile is the default "sim-small": agrees 90% of the time, fast.
func SmallProfile() Profile {
	return Profile{Agreement: map[string]float64{"*": 0.9}, Latency: 30 * time.Millisecond,
		Jitter: 10 * time.Millisecond}
}

func (p Profile) agreement(task string) float64 {
	if v, ok := p.Agreement[task]; ok {
		return v
	}
	if v, ok := p.Agreement["*"]; ok {
		return v
	}
	return 1
}

func (p Profile) clone() Profile {
	c := p
	c.Agreement = make(map[string]float64, len(p.Agreement))
	for k, v := range p.Agreement {
		c.Agreement[k] = v
	}
	c.MistakeWeights = make(map[string]float64, len(p.MistakeWeights))
	for k, v := range p.MistakeWeights {
		c.MistakeWeights[k] = v
	}
	return c
}

// ParseAgreement reads "calc=0.95,extract=0.6,*=0.9" into a map.
func ParseAgreement(s string) (map[string]float64, error) {
	out := map[string]float64{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		var name string
		var v float64
		k, val, ok := strings.Cut(part, "=")
		if !ok {
			return nil, fmt.Errorf("agreement %q: want task=probability", part)
		}
		name = strings.TrimSpace(k)
		if _, err := fmt.Sscanf(strings.TrimSpace(val), "%g", &v); err != nil || v < 0 || v > 1 {
			return nil, fmt.Errorf("agreement %q: probability must be within 0..1", part)
		}
		out[name] = v
	}
	return out, nil
}

// draw is a deterministic number in [0,1) from the seed and the parts, so
// every replica and every re-run makes the same choice for the same request.
func draw(seed uint64, parts ...string) float64 {
	h := sha256.New()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], seed)
	h.Write(b[:])
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	sum := h.Sum(nil)
	return float64(binary.LittleEndian.Uint64(sum[:8])>>11) / float64(1<<53)
}

// answerFor is what model gives for item when asked by user: the ground
// truth with probability agreement(task), otherwise a mistake.
func answerFor(seed uint64, model string, p Profile, task *Task, it *Item, user string) Answer {
	if draw(seed, "agree", model, it.ID, user) < p.agreement(it.Task) {
		return it.Answer
	}
	kinds := mistakeKinds(task.Kind)
	kind := pickWeighted(kinds, p.MistakeWeights, draw(seed, "mistake", model, it.ID, user))
	return makeMistake(kind, task, it, draw(seed, "detail", model, it.ID, user))
}

func mistakeKinds(kind TaskKind) []string {
	if kind == KindJSON {
		return []string{MistakeWrongValue, MistakeMissingArg, MistakeWrongFunction, MistakeInvalidJSON}
	}
	return []string{MistakeWrongValue, MistakeMissingArg, MistakeWrongFunction, MistakeNoCall}
}

func pickWeighted(kinds []string, weights map[string]float64, u float64) string {
	ws := make([]float64, len(kinds))
	total := 0.0
	for i, k := range kinds {
		w, ok := weights[k]
		if !ok {
			w = 1
		}
		ws[i] = w
		total += w
	}
	if total <= 0 {
		return kinds[0]
	}
	x := u * total
	for i, w := range ws {
		if x < w {
			return kinds[i]
		}
		x -= w
	}
	return kinds[len(kinds)-1]
}

// makeMistake derives a plausible wrong answer; u picks details.
func makeMistake(kind string, task *Task, it *Item, u float64) Answer {
	calls := cloneCalls(it.Answer.Calls)
	if task.Kind == KindJSON {
		calls = []Call{jsonCall(it.Answer.Content)}
	}
	target := int(u * float64(len(calls)))
	switch kind {
	case MistakeNoCall:
		return Answer{Content: "I could not find a suitable function for this request.", Mistake: kind}
	case MistakeInvalidJSON:
		full := it.Answer.Content
		return Answer{Content: full[:len(full)*2/3], Mistake: kind}
	case MistakeWrongFunction:
		calls[target].Name = otherFunction(task, it, calls[target].Name, u)
	case MistakeMissingArg:
		if !dropArg(&calls[target], it.Truth[target], u) {
			kind = MistakeWrongValue
			perturbArg(&calls[target], u)
		}
	default:
		kind = MistakeWrongValue
		if !perturbArg(&calls[target], u) {
			kind = MistakeWrongFunction
			calls[target].Name = otherFunction(task, it, calls[target].Name, u)
		}
	}
	a := Answer{Calls: calls, Mistake: kind}
	if task.Kind == KindJSON {
		a = Answer{Content: extractionJSON(calls[0]), Mistake: kind}
	}
	if it.Grade(a) { // the change happened to be acceptable too: make it surely wrong
		fallback := MistakeNoCall
		if task.Kind == KindJSON {
			fallback = MistakeInvalidJSON
		}
		return makeMistake(fallback, task, it, u)
	}
	return a
}

func jsonCall(content string) Call {
	var c struct {
		Function  string         `json:"function"`
		Arguments map[string]any `json:"arguments"`
	}
	_ = jsonUnmarshalString(content, &c)
	return Call{Name: c.Function, Args: c.Arguments}
}

func cloneCalls(calls []Call) []Call {
	out := make([]Call, len(calls))
	for i, c := range calls {
		args := make(map[string]any, len(c.Args))
		for k, v := range c.Args {
			args[k] = v
		}
		out[i] = Call{Name: c.Name, Args: args}
	}
	return out
}

// otherFunction names a function other than name: another tool of the task,
// or for JSON tasks a near-miss of the name.
func otherFunction(task *Task, it *Item, name string, u float64) string {
	var others []string
	for _, t := range task.Tools {
		if t.Name != name {
			others = append(others, t.Name)
		}
	}
	if len(others) == 0 {
		return name + "_v2"
	}
	sort.Strings(others)
	return others[int(u*float64(len(others)))]
}

// dropArg removes one argument the truth requires; false when there is none.
func dropArg(c *Call, truth TruthCall, u float64) bool {
	var keys []string
	for _, k := range sortedArgKeys(c.Args) {
		if !omittable(truth.Args[k]) {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return false
	}
	delete(c.Args, keys[int(u*float64(len(keys)))])
	return true
}

// perturbArg changes one argument's value plausibly; false when there is none.
func perturbArg(c *Call, u float64) bool {
	keys := sortedArgKeys(c.Args)
	if len(keys) == 0 {
		return false
	}
	k := keys[int(u*float64(len(keys)))]
	c.Args[k] = perturb(c.Args[k])
	return true
}

func perturb(v any) any {
	switch x := v.(type) {
	case float64:
		if x == 0 {
			return 1.0
		}
		return x * 2
	case string:
		if x == "" {
			return "unknown"
		}
		return x + " (approx.)"
	case bool:
		return !x
	case []any:
		if len(x) == 0 {
			return []any{"none"}
		}
		return x[:len(x)-1]
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = perturb(e)
		}
		return out
	}
	return "unknown"
}
