package capture

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fledgling-ai/fledgling/internal/openai"
	"github.com/fledgling-ai/fledgling/internal/store"
)

const testPostgresDSN = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// pgSchemaDSN creates a schema of its own for this test (other packages'
// tests share the server) and returns a DSN whose search_path points at it.
func pgSchemaDSN(t testing.TB, base string) string {
	t.Helper()
	ctx := context.Background()
	b := make([]byte, 6)
	rand.Read(b)
	schema := "capture_test_" + hex.EncodeToString(b)
	admin, err := store.Open(ctx, testPostgresDSN)
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		admin.Close()
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "search_path=" + schema
}

func openDB(t testing.TB, dialect store.Dialect) *store.DB {
	t.Helper()
	dsn := "sqlite://" + filepath.Join(t.TempDir(), "cap.db")
	if dialect == store.Postgres {
		dsn = pgSchemaDSN(t, testPostgresDSN)
	}
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatalf("open %s: %v", dialect, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func forEachDialect(t *testing.T, f func(t *testing.T, db *store.DB)) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) { f(t, openDB(t, d)) })
	}
}

var testEpoch = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func testRecord(i int, route, model string) *Record {
	return &Record{
		ID: fmt.Sprintf("req-%06d", i), TraceID: "0af7651916cd43dd8448eb211c80319c",
		Time: testEpoch.Add(time.Duration(i) * time.Millisecond), Kind: KindChat, Route: route, KeyID: "team-a",
		RequestedModel: model, AnsweringModel: model, Provider: "openai",
		Request:  json.RawMessage(`{"model":"` + model + `","messages":[{"role":"user","content":"hello ` + fmt.Sprint(i) + `"}]}`),
		Response: openai.Message{Content: "hi", FinishReason: "stop", Usage: openai.Usage{Input: openai.Some(9), Output: openai.Some(1)}},
		Usage:    openai.Usage{Input: openai.Some(9), Output: openai.Some(1)}, Status: 200,
		Latency: 120 * time.Millisecond, CostMicros: 42, Priced: true,
		Tags: []string{"t1"}, Metadata: map[string]string{"k": "v"},
	}
}

func newTestWriter(t testing.TB, db *store.DB, mod func(*Options)) *Writer {
	t.Helper()
	s, err := Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	opt := Options{FlushInterval: 20 * time.Millisecond, BatchSize: 64, QueueSize: 1024,
		SpillDir: filepath.Join(t.TempDir(), "spill"), ProbeInterval: 50 * time.Millisecond, WriteTimeout: 2 * time.Second}
	if mod != nil {
		mod(&opt)
	}
	w, err := NewWriter(s, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close(context.Background()) })
	return w
}
