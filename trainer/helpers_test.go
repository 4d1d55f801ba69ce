package trainer

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/fledgling-ai/fledgling/internal/capture"
	"github.com/fledgling-ai/fledgling/internal/config"
	"github.com/fledgling-ai/fledgling/internal/openai"
	"github.com/fledgling-ai/fledgling/internal/store"
)

// bfclDir is the BFCL data: the project's shared/ folder beside the
// checkout (as CI lays it out), else the Apache-2.0 subset the simulator embeds.
func bfclDirFor(t *testing.T) string {
	t.Helper()
	for _, d := range []string{"../../shared/data/bfcl", "/work/shared/data/bfcl", "../internal/sim/data"} {
		if _, err := os.Stat(filepath.Join(d, "multiple.jsonl")); err == nil {
			return d
		}
	}
	t.Fatal("no BFCL data found (../../shared/data/bfcl or internal/sim/data)")
	return ""
}

// memSource is a CaptureSource over records in memory (the capture store's
// read side belongs to another package; the trainer only needs Scan).
type memSource struct{ recs []*capture.Record }

func (m *memSource) Scan(ctx context.Context, route string, from, to time.Time, fn func(*capture.Record) error) error {
	for _, r := range m.recs {
		if r.Route != route || r.Time.Before(from) || r.Time.After(to) {
			continue
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

type bfclQuestion struct {
	ID       string              `json:"id"`
	Question [][]json.RawMessage `json:"question"`
	Function []map[string]any    `json:"function"`
}

type bfclAnswer struct {
	ID          string                        `json:"id"`
	GroundTruth []map[string]map[string][]any `json:"ground_truth"`
}

func readJSONL[T any](t *testing.T, path string) []T {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []T
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var v T
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, v)
	}
	return out
}

// schemaTypes maps BFCL parameter types to JSON Schema, as the data README says.
func schemaTypes(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			if k == "type" {
				switch e {
				case "dict":
					e = "object"
				case "float":
					e = "number"
				case "tuple":
					e = "array"
				case "any":
					continue
				}
			}
			out[k] = schemaTypes(e)
		}
		return out
	case []any:
		for i := range x {
			x[i] = schemaTypes(x[i])
		}
	}
	return v
}

// bfclRecords turns BFCL questions and their ground truth into captured
// chat calls whose answers are the expected tool calls.
func bfclRecords(t *testing.T, set, route string, n int, start time.Time) []*capture.Record {
	t.Helper()
	bfclDir := bfclDirFor(t)
	qs := readJSONL[bfclQuestion](t, filepath.Join(bfclDir, set+".jsonl"))
	as := readJSONL[bfclAnswer](t, filepath.Join(bfclDir, set+".answers.jsonl"))
	var out []*capture.Record
	for i := 0; i < n && i < len(qs); i++ {
		out = append(out, bfclRecord(t, qs[i], as[i], route, start.Add(time.Duration(i)*time.Second)))
	}
	return out
}

func bfclRecord(t *testing.T, q bfclQuestion, a bfclAnswer, route string, at time.Time) *capture.Record {
	var tools []any
	for _, f := range q.Function {
		f["name"] = strings.ReplaceAll(f["name"].(string), ".", "_")
		tools = append(tools, map[string]any{"type": "function", "function": schemaTypes(f)})
	}
	req := map[string]any{"model": "gpt-4o", "messages": q.Question[0], "tools": tools, "parallel_tool_calls": true}
	body, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	var calls []openai.ToolCall
	for i, gt := range a.GroundTruth {
		for name, params := range gt {
			args := map[string]any{}
			keys := make([]string, 0, len(params))
			for k := range params {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				if v := params[k]; len(v) > 0 && v[0] != "" {
					args[k] = v[0]
				}
			}
			ab, _ := json.Marshal(args)
			calls = append(calls, openai.ToolCall{ID: fmt.Sprintf("call_%s_%d", q.ID, i), Type: "function",
				Name: strings.ReplaceAll(name, ".", "_"), Arguments: string(ab)})
		}
	}
	return &capture.Record{ID: q.ID, Time: at, Kind: capture.KindChat, Route: route, TaskKey: openai.TaskKey(body),
		RequestedModel: "gpt-4o", Request: body, Status: 200,
		Response: openai.Message{ToolCalls: calls, FinishReason: "tool_calls"}}
}

func chatRecord(id, route string, at time.Time, system, user, answer string) *capture.Record {
	body, _ := json.Marshal(map[string]any{"model": "gpt-4o", "messages": []map[string]string{
		{"role": "system", "content": system}, {"role": "user", "content": user}}})
	return &capture.Record{ID: id, Time: at, Kind: capture.KindChat, Route: route, TaskKey: openai.TaskKey(body),
		Request: body, Status: 200, Response: openai.Message{Content: answer, FinishReason: "stop"}}
}

func openSQLite(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), "sqlite://"+filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := Migrate(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	return db
}

func testOptions(seed int64) config.TrainerDataset {
	near := true
	return config.TrainerDataset{NearDedup: &near, ValidationFraction: 0.1, TestFraction: 0.2, Seed: seed}
}

func newBuilder(t *testing.T, db *store.DB, src CaptureSource, seed int64) *Builder {
	return &Builder{DB: db, Source: src, WorkDir: t.TempDir(), Options: testOptions(seed),
		Now: func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) }}
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.TrimSuffix(string(b), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}
