package store

import (
	"context"
	"path/filepath"
	"testing"
)

// TestPostgresDSN is the database the tests share on this machine.
const TestPostgresDSN = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

func TestMigrateIsIdempotentOnBothDialects(t *testing.T) {
	ctx := context.Background()
	for _, dsn := range []string{"sqlite://" + filepath.Join(t.TempDir(), "x.db"), TestPostgresDSN} {
		db, err := Open(ctx, dsn)
		if err != nil {
			t.Fatalf("open %s: %v", dsn, err)
		}
		ms := []Migration{{Version: 1, Default: `CREATE TABLE IF NOT EXISTS mig_test (id INTEGER PRIMARY KEY, v TEXT)`},
			{Version: 2, Default: `INSERT INTO mig_test (id, v) VALUES (1, 'a')`}}
		db.ExecContext(ctx, `DELETE FROM schema_migrations WHERE component = 'migtest'`)
		db.ExecContext(ctx, `DROP TABLE IF EXISTS mig_test`)
		for i := 0; i < 2; i++ {
			if err := db.Migrate(ctx, "migtest", ms); err != nil {
				t.Fatalf("%s: migrate #%d: %v", db.Dialect, i, err)
			}
		}
		var n int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM mig_test WHERE v = $1`, "a").Scan(&n); err != nil || n != 1 {
			t.Fatalf("%s: rows = %d, err %v; want the insert migration applied exactly once", db.Dialect, n, err)
		}
		db.Close()
	}
}

// Every SQLite connection checkpoints its WAL at walAutocheckpointPages.
func TestSQLiteCheckpointsTheWALEarly(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(2)
	for i := 0; i < 2; i++ { // two connections: the pragma is the DSN's, not one connection's
		conn, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		var pages int
		if err := conn.QueryRowContext(ctx, "PRAGMA wal_autocheckpoint").Scan(&pages); err != nil || pages != walAutocheckpointPages {
			t.Fatalf("connection %d: wal_autocheckpoint %d (err %v); want %d", i, pages, err, walAutocheckpointPages)
		}
	}
}
