package shadow

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fledgling-ai/fledgling/internal/capture"
	"github.com/fledgling-ai/fledgling/internal/openai"
	"github.com/fledgling-ai/fledgling/internal/store"
)

const testPostgresDSN = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// sqliteStore opens a fresh SQLite database with the shadow tables.
func sqliteStore(t *testing.T) *Store {
	t.Helper()
	return sqliteStoreAt(t, filepath.Join(t.TempDir(), "shadow.db"))
}

// sqliteStoreAt opens the SQLite database at path with the shadow tables.
func sqliteStoreAt(tb testing.TB, path string) *Store {
	tb.Helper()
	db, err := store.Open(context.Background(), "sqlite://"+path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	s, err := NewStore(context.Background(), db, 0.05)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// postgresStore opens the shared PostgreSQL in a schema of its own, so
// concurrent tests of other packages never see these tables.
func postgresStore(t *testing.T) *Store {
	t.Helper()
	ctx := context.Background()
	schema := fmt.Sprintf("shadow_test_%d", time.Now().UnixNano())
	admin, err := sql.Open("pgx", testPostgresDSN)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("postgres at %s: %v", testPostgresDSN, err)
	}
	t.Cleanup(func() {
		c, _ := sql.Open("pgx", testPostgresDSN)
		c.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		c.Close()
	})
	db, err := store.Open(ctx, testPostgresDSN+"&search_path="+schema)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s, err := NewStore(ctx, db, 0.05)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// eachDialect runs fn as a subtest on a fresh SQLite store and on a fresh
// PostgreSQL one.
func eachDialect(t *testing.T, fn func(t *testing.T, st *Store)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, sqliteStore(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, postgresStore(t)) })
}

// fakeModel is an OpenAI-compatible upstream: answer decides each reply.
type fakeModel struct {
	srv    *httptest.Server
	mu     sync.Mutex
	bodies [][]byte
}

func newFakeModel(t testing.TB, answer func(body []byte) (int, string)) *fakeModel {
	f := &fakeModel{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.bodies = append(f.bodies, body)
		f.mu.Unlock()
		status, resp := answer(body)
		if status == 0 { // hang until the caller gives up
			<-r.Context().Done()
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, resp)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeModel) requests() [][]byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([][]byte(nil), f.bodies...)
}

// chatResponse renders a non-streamed chat completion in OpenAI's format.
func chatResponse(model string, m openai.Message) string {
	type fn struct {
		Name      string `json:"name"`
		Arguments string `json:"arguments"`
	}
	type call struct {
		ID       string `json:"id"`
		Type     string `json:"type"`
		Function fn     `json:"function"`
	}
	msg := map[string]any{"role": "assistant", "content": nil}
	if m.Content != "" {
		msg["content"] = m.Content
	}
	finish := "stop"
	if len(m.ToolCalls) > 0 {
		var calls []call
		for i, tc := range m.ToolCalls {
			calls = append(calls, call{ID: fmt.Sprintf("call_%d", i), Type: "function", Function: fn{tc.Name, tc.Arguments}})
		}
		msg["tool_calls"] = calls
		finish = "tool_calls"
	}
	b, _ := json.Marshal(map[string]any{
		"id": "chatcmpl-1", "object": "chat.completion", "created": 1764000000, "model": model,
		"choices": []any{map[string]any{"index": 0, "message": msg, "finish_reason": finish}},
		"usage":   map[string]any{"prompt_tokens": 120, "completion_tokens": 30, "total_tokens": 150},
	})
	return string(b)
}

// httpCaller posts to {base}/chat/completions for any model (tests only;
// the served one is in internal/app).
type httpCaller struct{ base string }

func (c httpCaller) Call(ctx context.Context, model string, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/chat/completions", bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, 8<<20))
	return res.StatusCode, b, err
}

// routedCaller sends each model to its own fake upstream.
type routedCaller map[string]Caller

func (r routedCaller) Call(ctx context.Context, model string, body []byte) (int, []byte, error) {
	c, ok := r[model]
	if !ok {
		return 0, nil, fmt.Errorf("no upstream for %s", model)
	}
	return c.Call(ctx, model, body)
}

// toolRequest is a chat request offering one tool, as an app sends it.
func toolRequest(city string) []byte {
	return []byte(`{"model":"gpt-4o","stream":true,"stream_options":{"include_usage":true},
		"messages":[{"role":"system","content":"You are a weather assistant."},{"role":"user","content":"Weather in ` + city + `?"}],
		"tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"},"unit":{"type":"string","default":"celsius"}},"required":["city"]}}}]}`)
}

func weatherCall(city string) openai.Message {
	return openai.Message{ToolCalls: []openai.ToolCall{{Name: "get_weather", Arguments: `{"city":"` + city + `","unit":"celsius"}`}}, FinishReason: "tool_calls"}
}

func record(id string, body []byte, answer openai.Message) *capture.Record {
	return &capture.Record{ID: id, Time: time.Now(), Kind: capture.KindChat, Route: "weather", Request: body,
		TaskKey: openai.TaskKey(body), Response: answer, Status: 200, Latency: 300 * time.Millisecond,
		CostMicros: 900, Priced: true, RequestedModel: "gpt-4o", AnsweringModel: "gpt-4o", PrimaryModel: "gpt-4o"}
}

func cityOf(body []byte) string {
	s := string(body)
	i := strings.Index(s, "Weather in ")
	j := strings.Index(s[i:], "?")
	return s[i+len("Weather in ") : i+j]
}

type fixedPricer map[string]int64

func (p fixedPricer) Cost(model string, u openai.Usage) (int64, bool) {
	per, ok := p[model]
	if !ok {
		return 0, false
	}
	return per * (u.Input.Or(0) + u.Output.Or(0)), true
}

type upperRedactor struct{}

func (upperRedactor) String(s string) string { return strings.ReplaceAll(s, "Paris", "[CITY]") }

func openaiCount(n int64) openai.Count { return openai.Some(n) }
