package eval

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fledgling-ai/fledgling/internal/openai"
)

// bfclCase is one BFCL question turned into an OpenAI chat request, with the
// accepted answer turned into the reference model's tool calls.
type bfclCase struct {
	ID      string
	Request []byte
	Calls   []openai.ToolCall
	// answers keeps every acceptable value per (call, param), "" = omissible.
	answers []map[string]map[string][]any
}

// bfclDir is the shared workload; the project reaches it at ../shared.
func bfclDir(t *testing.T) string {
	t.Helper()
	for _, d := range []string{"../../../shared/data/bfcl", "../../shared/data/bfcl", "/work/shared/data/bfcl"} {
		if _, err := os.Stat(filepath.Join(d, "parallel.jsonl")); err == nil {
			return d
		}
	}
	return "testdata"
}

func loadBFCL(t *testing.T, set string) []bfclCase {
	t.Helper()
	dir := bfclDir(t)
	qs, as := readLines(t, filepath.Join(dir, set+".jsonl")), readLines(t, filepath.Join(dir, set+".answers.jsonl"))
	if len(qs) != len(as) || len(qs) == 0 {
		t.Fatalf("%s: %d questions, %d answers", set, len(qs), len(as))
	}
	out := make([]bfclCase, len(qs))
	for i := range qs {
		out[i] = toCase(t, qs[i], as[i])
	}
	return out
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("open BFCL data: %v", err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<22)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			lines = append(lines, l)
		}
	}
	return lines
}

func toCase(t *testing.T, qLine, aLine string) bfclCase {
	var q struct {
		ID       string             `json:"id"`
		Question [][]map[string]any `json:"question"`
		Function []map[string]any   `json:"function"`
	}
	var a struct {
		GroundTruth []map[string]map[string][]any `json:"ground_truth"`
	}
	if err := json.Unmarshal([]byte(qLine), &q); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(aLine), &a); err != nil {
		t.Fatal(err)
	}
	tools := make([]any, len(q.Function))
	for i, fn := range q.Function {
		fn["name"] = toolName(fn["name"].(string))
		fn["parameters"] = jsonSchemaTypes(fn["parameters"])
		tools[i] = map[string]any{"type": "function", "function": fn}
	}
	req, _ := json.Marshal(map[string]any{"model": "gpt-4o", "messages": q.Question[0], "tools": tools})
	c := bfclCase{ID: q.ID, Request: req, answers: a.GroundTruth}
	for i, call := range a.GroundTruth {
		for name, params := range call {
			args := map[string]any{}
			for p, vals := range params {
				if vals[0] != "" {
					args[p] = vals[0]
				}
			}
			b, _ := json.Marshal(args)
			c.Calls = append(c.Calls, openai.ToolCall{ID: "call_" + string(rune('a'+i)), Type: "function", Name: toolName(name), Arguments: string(b)})
		}
	}
	return c
}

func toolName(s string) string { return strings.ReplaceAll(s, ".", "_") }

// jsonSchemaTypes maps BFCL's parameter types to JSON Schema.
func jsonSchemaTypes(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = jsonSchemaTypes(e)
		}
		switch x["type"] {
		case "dict":
			x["type"] = "object"
		case "float":
			x["type"] = "number"
		case "tuple":
			x["type"] = "array"
		case "any":
			delete(x, "type")
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = jsonSchemaTypes(e)
		}
	}
	return v
}
