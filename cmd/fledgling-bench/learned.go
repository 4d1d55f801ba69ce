package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/fledgling-ai/fledgling/internal/onnx"
)

func init() { register("learned", 60, runLearnedBench) }

// Illustrative per-token prices (USD per million tokens), stated in the output:
// a GPT-4o-class primary and a 4o-mini-class candidate.
const (
	bigIn, bigOut     = 2.50, 10.00
	smallIn, smallOut = 0.15, 0.60
	outTokens         = 40 // a tool call or a short JSON object
	confidence        = 0.95
)

// taskAgreement is the synthetic ground truth: the candidate's pass
// probability per task; questions of longQuestion bytes or more pass
// lengthPenalty less often (per-request noise the router can learn from text).
const (
	lengthPenalty = 0.25
	longQuestion  = 150 // bytes
)

var taskAgreement = map[string]float64{"calc": 0.98, "multi": 0.95, "extract": 0.97, "parallel": 0.50}

// demoRequest is one request of the demo-like workload: its candidate pass
// probability p (the synthetic truth) and, once drawn, its label.
type demoRequest struct {
	task   string
	body   []byte
	p      float64
	passed bool
}

func runLearnedBench(ctx context.Context, quick bool) error {
	root, err := repoRoot()
	if err != nil {
		return err
	}
	reqs, err := demoWorkload(root)
	if err != nil {
		return err
	}
	lib, err := onnx.EnsureLibrary(root)
	if err != nil {
		return err
	}
	if err := onnx.Init(lib); err != nil {
		return err
	}
	fmt.Printf("ONNX Runtime %s; %d demo-like requests from BFCL (tasks calc, multi, extract, parallel)\n", onnx.RuntimeVersion(), len(reqs))
	models, err := savingsTable(ctx, reqs, 0.90, quick)
	if err != nil {
		return err
	}
	if !quick {
		// A stricter threshold, at which the length effect inside tasks matters.
		if _, err := savingsTable(ctx, reqs, 0.95, quick); err != nil {
			return err
		}
	}
	return latencyTable(reqs, models, quick)
}

// repoRoot walks up from the working directory to the directory with go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("learned bench: no go.mod above the working directory")
		}
		dir = parent
	}
}

// bfclQuestion is one BFCL question line.
type bfclQuestion struct {
	ID       string `json:"id"`
	Question [][]struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	} `json:"question"`
	Function []map[string]any `json:"function"`
}

var demoSystem = map[string]string{
	"calc":     "You are CalcBot, a calculation assistant for engineers and students. Call exactly one of the provided functions, with arguments taken from the user's request. Never answer in prose.",
	"multi":    "You are a general-purpose assistant connected to many services. Pick the single most appropriate function for the user's request and call it with the right arguments.",
	"parallel": "You are a batch assistant. The user asks for several operations at once: make one function call per operation, all in the same reply.",
	"extract":  "You convert a user's request into a structured function call. Reply with one JSON object with the keys function and arguments. Use only the functions listed in the message.",
}

// demoWorkload turns the 800 BFCL questions into chat requests shaped like
// the demo's tasks (simple_python → calc and extract, multiple → multi,
// parallel → parallel) and labels them with taskAgreement.
func demoWorkload(root string) ([]demoRequest, error) {
	dir := os.Getenv("FLEDGLING_BFCL_DIR")
	if dir == "" {
		dir = filepath.Join(root, "..", "shared", "data", "bfcl")
	}
	var out []demoRequest
	for _, f := range []struct{ file, task string }{{"simple_python", "calc"}, {"multiple", "multi"}, {"parallel", "parallel"}} {
		qs, err := readQuestions(filepath.Join(dir, f.file+".jsonl"))
		if err != nil {
			return nil, fmt.Errorf("learned bench: %w (set FLEDGLING_BFCL_DIR)", err)
		}
		for i, q := range qs {
			task := f.task
			if task == "calc" && i >= 320 {
				task = "extract"
			}
			out = append(out, demoRequest{task: task, body: demoBody(task, q)})
		}
	}
	setTruth(out)
	return out, nil
}

func readQuestions(path string) ([]bfclQuestion, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var qs []bfclQuestion
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var q bfclQuestion
		if err := json.Unmarshal(sc.Bytes(), &q); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		qs = append(qs, q)
	}
	return qs, sc.Err()
}

func demoBody(task string, q bfclQuestion) []byte {
	turns := q.Question[0]
	body := map[string]any{"model": "sim-large", "messages": []any{
		map[string]any{"role": "system", "content": demoSystem[task]},
		map[string]any{"role": "user", "content": turns[len(turns)-1].Content},
	}}
	if task == "extract" {
		body["response_format"] = map[string]any{"type": "json_schema", "json_schema": map[string]any{"name": "call",
			"schema": map[string]any{"type": "object", "required": []any{"function", "arguments"}}}}
	} else {
		var tools []any
		for _, fn := range q.Function {
			name, _ := fn["name"].(string)
			tools = append(tools, map[string]any{"type": "function", "function": map[string]any{
				"name": strings.ReplaceAll(name, ".", "_"), "description": fn["description"], "parameters": fn["parameters"]}})
		}
		body["tools"] = tools
	}
	raw, _ := json.Marshal(body)
	return raw
}

// setTruth sets each question's pass probability: taskAgreement, minus
// lengthPenalty when the question is at least longQuestion bytes long.
func setTruth(reqs []demoRequest) {
	for i := range reqs {
		reqs[i].p = taskAgreement[reqs[i].task]
		if len(userText(reqs[i].body)) >= longQuestion {
			reqs[i].p -= lengthPenalty
		}
	}
}

func userText(body []byte) string {
	var b struct {
		Messages []struct{ Content string } `json:"messages"`
	}
	_ = json.Unmarshal(body, &b)
	return b.Messages[len(b.Messages)-1].Content
}
