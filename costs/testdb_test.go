package costs

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/fledgling-ai/fledgling/internal/store"
)

const testPostgres = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// testDBs opens a fresh SQLite file and a fresh PostgreSQL schema (dropped at
// cleanup), so tests running concurrently never see each other's rollups.
func testDBs(t *testing.T) []*store.DB {
	t.Helper()
	ctx := context.Background()
	lite, err := store.Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "costs.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lite.Close() })
	admin, err := store.Open(ctx, testPostgres)
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	schema := fmt.Sprintf("costs_test_%d", time.Now().UnixNano())
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	pg, err := store.Open(ctx, testPostgres+"&search_path="+schema)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		pg.Close()
		admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE")
		admin.Close()
	})
	return []*store.DB{lite, pg}
}
