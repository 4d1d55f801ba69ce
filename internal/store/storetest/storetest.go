// Package storetest gives tests their own database on the real servers this
// machine runs: a fresh SQLite file, or a fresh PostgreSQL schema dropped at
// cleanup, so packages testing concurrently never see each other's rows.
package storetest

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fledgling-ai/fledgling/internal/store"
)

// PostgresDSN is the shared test server (trust auth, database test).
const PostgresDSN = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

var seq atomic.Int64

// PostgresSchemaDSN creates a schema of its own for t and returns a DSN
// whose search_path points at it; the schema is dropped at cleanup.
func PostgresSchemaDSN(t testing.TB) string {
	t.Helper()
	ctx := context.Background()
	admin, err := store.Open(ctx, PostgresDSN)
	if err != nil {
		t.Fatalf("postgres (is it running on 127.0.0.1:5432?): %v", err)
	}
	schema := fmt.Sprintf("t_%d_%d", time.Now().UnixNano(), seq.Add(1))
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		admin.Close()
	})
	sep := "&"
	if !strings.Contains(PostgresDSN, "?") {
		sep = "?"
	}
	return PostgresDSN + sep + "search_path=" + schema
}

// Postgres opens a database in a schema of t's own.
func Postgres(t testing.TB) *store.DB {
	t.Helper()
	return open(t, PostgresSchemaDSN(t))
}

// SQLite opens a fresh SQLite file under t.TempDir().
func SQLite(t testing.TB) *store.DB {
	t.Helper()
	return open(t, "sqlite://"+filepath.Join(t.TempDir(), "test.db"))
}

// Both returns a fresh SQLite and a fresh PostgreSQL database.
func Both(t testing.TB) []*store.DB {
	t.Helper()
	return []*store.DB{SQLite(t), Postgres(t)}
}

func open(t testing.TB, dsn string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatalf("open %s: %v", dsn, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
