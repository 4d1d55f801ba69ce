package sim

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/fledgling-ai/fledgling/internal/openai"
)

// TaskKind says how a task's answer is shaped.
type TaskKind string

const (
	// KindTools tasks offer tools and expect tool calls.
	KindTools TaskKind = "tools"
	// KindJSON tasks ask for a JSON object under response_format json_schema.
	KindJSON TaskKind = "json"
)

// Tool is one function offered to the model (OpenAI tool name, JSON Schema).
type Tool struct {
	Name        string
	Description string
	Parameters  map[string]any
}

// Task is one kind of request: a system prompt and a tool set (or a response
// schema) shared by all its items, so all its requests share one task key.
type Task struct {
	Name       string
	Kind       TaskKind
	System     string
	Tools      []Tool         // KindTools: the union of the items' functions
	SchemaName string         // KindJSON
	Schema     map[string]any // KindJSON
	Items      []*Item
}

// Item is one question of a task with its ground truth.
type Item struct {
	ID     string // BFCL id, e.g. "simple_python_3"
	Task   string
	Prompt string // the user message sent
	Truth  []TruthCall
	// Answer is the ground-truth answer the simulated large model gives.
	Answer Answer
}

// Answer is what a simulated model replies: tool calls, or content (text or JSON).
type Answer struct {
	Calls   []Call
	Content string
	// Mistake names the simulated mistake, "" for a ground-truth answer.
	Mistake string
}

// Workload is every task, and the index the server uses to recognise items.
type Workload struct {
	Tasks    []*Task
	byName   map[string]*Task
	byPrompt map[string]*Item
}

// taskSpec says how to build one task from a BFCL category.
type taskSpec struct {
	name, category string
	from, to       int // item range in the category (0-based, exclusive end)
	maxTools       int
	kind           TaskKind
	system         string
}

var taskSpecs = []taskSpec{
	{name: "calc", category: "simple_python", from: 0, to: 80, maxTools: 24, kind: KindTools,
		system: "You are CalcBot, a calculation assistant for engineers and students. Call exactly one of the provided functions, with arguments taken from the user's request. Never answer in prose."},
	{name: "multi", category: "multiple", from: 0, to: 40, maxTools: 30, kind: KindTools,
		system: "You are a general-purpose assistant connected to many services. Pick the single most appropriate function for the user's request and call it with the right arguments."},
	{name: "parallel", category: "parallel", from: 0, to: 40, maxTools: 20, kind: KindTools,
		system: "You are a batch assistant. The user asks for several operations at once: make one function call per operation, all in the same reply."},
	{name: "extract", category: "simple_python", from: 80, to: 140, kind: KindJSON,
		system: "You convert a user's request into a structured function call. Reply with one JSON object with the keys function (the name of the function to call) and arguments (an object of argument values). Use only the functions listed in the message."},
}

// extractSchema is the response schema of JSON-extraction tasks.
var extractSchema = map[string]any{
	"type": "object",
	"properties": map[string]any{
		"function":  map[string]any{"type": "string", "description": "name of the function to call"},
		"arguments": map[string]any{"type": "object", "description": "argument values by parameter name"},
	},
	"required":             []any{"function", "arguments"},
	"additionalProperties": false,
}

// LoadWorkload builds the tasks from the embedded BFCL subset.
func LoadWorkload() (*Workload, error) {
	w := &Workload{byName: map[string]*Task{}, byPrompt: map[string]*Item{}}
	cache := map[string][]bfclItem{}
	for _, spec := range taskSpecs {
		items, ok := cache[spec.category]
		if !ok {
			var err error
			if items, err = loadCategory(spec.category); err != nil {
				return nil, err
			}
			cache[spec.category] = items
		}
		if spec.to > len(items) {
			return nil, fmt.Errorf("sim: task %s: category %s has %d items, need %d", spec.name, spec.category, len(items), spec.to)
		}
		t := buildTask(spec, items[spec.from:spec.to], w.byPrompt)
		w.Tasks = append(w.Tasks, t)
		w.byName[t.Name] = t
	}
	return w, nil
}

func buildTask(spec taskSpec, items []bfclItem, seen map[string]*Item) *Task {
	t := &Task{Name: spec.name, Kind: spec.kind, System: spec.system}
	if spec.kind == KindJSON {
		t.SchemaName, t.Schema = "function_call", extractSchema
	}
	tools := map[string]string{} // name → canonical JSON
	for _, bi := range items {
		if spec.kind == KindTools && !addTools(t, tools, bi.Functions, spec.maxTools) {
			continue
		}
		it := &Item{ID: bi.ID, Task: t.Name, Prompt: bi.Question, Truth: bi.Truth}
		if spec.kind == KindJSON {
			it.Prompt = extractPrompt(bi)
		}
		if _, dup := seen[it.Prompt]; dup {
			continue
		}
		it.Answer = truthAnswer(t.Kind, it.Truth)
		seen[it.Prompt] = it
		t.Items = append(t.Items, it)
	}
	sort.Slice(t.Tools, func(i, j int) bool { return t.Tools[i].Name < t.Tools[j].Name })
	return t
}

// addTools adds an item's functions to the task's tool set if they fit under
// max and do not clash with a same-named, different function.
func addTools(t *Task, have map[string]string, fns []Tool, max int) bool {
	var fresh []Tool
	for _, f := range fns {
		enc := canonicalJSON(f)
		if prev, ok := have[f.Name]; ok {
			if prev != enc {
				return false
			}
			continue
		}
		fresh = append(fresh, f)
	}
	if len(have)+len(fresh) > max {
		return false
	}
	for _, f := range fresh {
		have[f.Name] = canonicalJSON(f)
		t.Tools = append(t.Tools, f)
	}
	return true
}

// extractPrompt lists the item's functions and the request in one user message.
func extractPrompt(bi bfclItem) string {
	var b strings.Builder
	b.WriteString("Functions:\n")
	for _, f := range bi.Functions {
		fmt.Fprintf(&b, "- %s: %s Parameters: %s\n", f.Name, f.Description, describeParams(f.Parameters))
	}
	b.WriteString("\nRequest: ")
	b.WriteString(bi.Question)
	return b.String()
}

func describeParams(schema map[string]any) string {
	props, _ := schema["properties"].(map[string]any)
	req := map[string]bool{}
	if rs, ok := schema["required"].([]any); ok {
		for _, r := range rs {
			if s, ok := r.(string); ok {
				req[s] = true
			}
		}
	}
	var parts []string
	for _, name := range sortedArgKeys(props) {
		p, _ := props[name].(map[string]any)
		typ, _ := p["type"].(string)
		s := name + " (" + typ
		if req[name] {
			s += ", required"
		}
		parts = append(parts, s+")")
	}
	if len(parts) == 0 {
		return "none."
	}
	return strings.Join(parts, ", ") + "."
}

// truthAnswer is the ground-truth answer to an item.
func truthAnswer(kind TaskKind, truth []TruthCall) Answer {
	calls := make([]Call, len(truth))
	for i, tc := range truth {
		calls[i] = tc.canonicalCall()
	}
	if kind == KindJSON {
		return Answer{Content: extractionJSON(calls[0])}
	}
	return Answer{Calls: calls}
}

func extractionJSON(c Call) string {
	return canonicalJSON(map[string]any{"function": c.Name, "arguments": c.Args})
}

// Task returns the named task, or nil.
func (w *Workload) Task(name string) *Task { return w.byName[name] }

// TaskNames lists the tasks in order.
func (w *Workload) TaskNames() []string {
	names := make([]string, len(w.Tasks))
	for i, t := range w.Tasks {
		names[i] = t.Name
	}
	return names
}

// Lookup finds the item whose prompt is the given user message.
func (w *Workload) Lookup(prompt string) (*Item, bool) {
	it, ok := w.byPrompt[prompt]
	return it, ok
}

// Request is the chat-completions request body for an item, as the Driver
// sends it (tests and non-Go clients can use it directly).
func (t *Task) Request(it *Item, model, user string, stream bool) map[string]any {
	body := map[string]any{
		"model": model,
		"messages": []any{
			map[string]any{"role": "system", "content": t.System},
			map[string]any{"role": "user", "content": it.Prompt},
		},
	}
	if user != "" {
		body["user"] = user
	}
	if t.Kind == KindTools {
		tools := make([]any, len(t.Tools))
		for i, tl := range t.Tools {
			tools[i] = map[string]any{"type": "function", "function": map[string]any{
				"name": tl.Name, "description": tl.Description, "parameters": tl.Parameters}}
		}
		body["tools"] = tools
	} else {
		body["response_format"] = map[string]any{"type": "json_schema", "json_schema": map[string]any{
			"name": t.SchemaName, "schema": t.Schema}}
	}
	if stream {
		body["stream"] = true
		body["stream_options"] = map[string]any{"include_usage": true}
	}
	return body
}

// Key is the task key Fledgling computes for this task's requests.
func (t *Task) Key() string {
	if len(t.Items) == 0 {
		return ""
	}
	raw, _ := json.Marshal(t.Request(t.Items[0], "sim-large", "", false))
	return openai.TaskKey(raw)
}

// Grade reports whether an answer satisfies the item's accepted answers.
func (it *Item) Grade(a Answer) bool {
	if len(a.Calls) > 0 || a.Content == "" {
		return GradeCalls(a.Calls, it.Truth)
	}
	var out struct {
		Function  string         `json:"function"`
		Arguments map[string]any `json:"arguments"`
	}
	if err := json.Unmarshal([]byte(a.Content), &out); err != nil || out.Function == "" {
		return false
	}
	if out.Arguments == nil {
		out.Arguments = map[string]any{}
	}
	return GradeCalls([]Call{{Name: out.Function, Args: out.Arguments}}, it.Truth)
}
