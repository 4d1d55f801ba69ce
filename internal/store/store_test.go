package store

import (
	"context"
	"database/sql"
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

// A database Fledgling creates has sqlitePageSize pages and is in WAL mode
// on every connection; reopened, it stays so.
func TestSQLiteCreatesLargePagesInWALMode(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "x.db")
	for open := 0; open < 2; open++ {
		db, err := Open(ctx, "sqlite://"+path)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS t (v TEXT)`); err != nil {
			t.Fatal(err)
		}
		db.SetMaxOpenConns(2)
		held, err := db.Conn(ctx) // so that the next check gets a second connection
		if err != nil {
			t.Fatal(err)
		}
		checkPages(ctx, t, db, sqlitePageSize, "wal")
		held.Close()
		checkPages(ctx, t, db, sqlitePageSize, "wal")
		db.Close()
	}
}

// A database created with SQLite's default page size (by an earlier
// Fledgling, or by hand) opens, keeps its pages and is switched to WAL.
func TestSQLiteKeepsAnExistingDatabasesPageSize(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	old, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := old.ExecContext(ctx, `CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('kept')`); err != nil {
		t.Fatal(err)
	}
	old.Close()
	db, err := Open(ctx, "sqlite://"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	checkPages(ctx, t, db, 4096, "wal")
	var v string
	if err := db.QueryRowContext(ctx, `SELECT v FROM t`).Scan(&v); err != nil || v != "kept" {
		t.Fatalf("row %q, err %v; want the old database's row", v, err)
	}
}

func checkPages(ctx context.Context, t *testing.T, db *DB, size int, mode string) {
	t.Helper()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var got int
	var gotMode string
	if err := conn.QueryRowContext(ctx, "PRAGMA page_size").Scan(&got); err != nil || got != size {
		t.Fatalf("page_size %d (err %v); want %d", got, err, size)
	}
	if err := conn.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&gotMode); err != nil || gotMode != mode {
		t.Fatalf("journal_mode %q (err %v); want %q", gotMode, err, mode)
	}
}
