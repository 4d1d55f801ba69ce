// Package store opens the one SQL database Fledgling keeps everything in
// (SQLite embedded by default, PostgreSQL when replicas share it) and runs
// each component's versioned migrations. Components own their tables and
// their SQL; this package only hides the two drivers' differences.
package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	_ "modernc.org/sqlite"             // registers "sqlite"
)

// Dialect names the SQL flavour.
type Dialect string

// The supported databases.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is an open database and its dialect. Queries use $1, $2 … placeholders,
// which both drivers accept.
type DB struct {
	*sql.DB
	Dialect Dialect
}

// Open opens a DSN of the form sqlite://PATH or postgres://…
// SQLite is opened in WAL mode with a busy timeout; its directory is created.
func Open(ctx context.Context, dsn string) (*DB, error) {
	switch {
	case strings.HasPrefix(dsn, "sqlite://"):
		return openSQLite(ctx, strings.TrimPrefix(dsn, "sqlite://"))
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		db.SetMaxOpenConns(16)
		if err := db.PingContext(ctx); err != nil {
			db.Close()
			return nil, fmt.Errorf("ping postgres: %w", err)
		}
		return &DB{DB: db, Dialect: Postgres}, nil
	}
	return nil, fmt.Errorf("unsupported storage dsn %q (want sqlite:// or postgres://)", redactDSN(dsn))
}

// sqlitePageSize is the page size of a database Fledgling creates (SQLite's
// default is 4 KiB). The capture writer's commits are mostly system calls:
// SQLite writes each WAL frame with two of them, and the checkpoint reads
// and writes each page once more, so with 4 KiB pages a 128-record batch
// took about 3 pwrite calls a record, a third of the writer's CPU on a VM.
// With 16 KiB pages the same bytes take a quarter of the calls: the
// throughput benchmark's SQLite writer did 61,673–63,966 records/s
// (63,641–66,152 per CPU-second) against 52,718–56,079 (55,139–57,419) with
// 4 KiB in the same runs. Capture ids start with the time, so a batch
// touches only the right edge of each index and larger pages add little
// copying. A database created with another page size keeps it (WAL mode
// cannot change it).
const sqlitePageSize = 16384

// walAutocheckpointPages is how many WAL pages a commit leaves before it
// copies them into the database (SQLite's default is 1000 pages). The
// commit that crosses it runs the checkpoint, which with 1000 pages of 4 KiB
// was the longest single piece of work the capture writer does (several ms
// of copying on the idle-priority thread, holding one of the runtime's Ps
// all along): with 256 pages of 4 KiB (1 MiB) it lasted about as long as
// writing one batch, and the back-to-back benchmark's p99.9 with tracing +
// capture was lower in 5 of 6 runs alternated with 1000 (2.8–3.6 ms against
// 2.9–4.1 ms), at the same CPU per call and writer throughput. 64 pages of
// 16 KiB (sqlitePageSize) are the same mebibyte.
const walAutocheckpointPages = 64

func openSQLite(ctx context.Context, path string) (*DB, error) {
	if path != ":memory:" && !strings.HasPrefix(path, "file:") {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, fmt.Errorf("create sqlite directory: %w", err)
		}
	}
	// The driver runs _pragma entries in alphabetical order, which would set
	// journal_mode (persistent, written to the file) before page_size, so WAL
	// mode is set below, once the page size is.
	dsn := path + "?_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(ON)" +
		"&_pragma=page_size(" + strconv.Itoa(sqlitePageSize) + ")" +
		"&_pragma=wal_autocheckpoint(" + strconv.Itoa(walAutocheckpointPages) + ")&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	if _, err := db.ExecContext(ctx, "PRAGMA journal_mode=WAL"); err != nil {
		db.Close()
		return nil, fmt.Errorf("open sqlite %s: set WAL mode: %w", path, err)
	}
	return &DB{DB: db, Dialect: SQLite}, nil
}

// redactDSN drops a password from a DSN for error messages.
func redactDSN(dsn string) string {
	if i := strings.Index(dsn, "@"); i > 0 {
		if j := strings.Index(dsn, "://"); j > 0 && j < i {
			return dsn[:j+3] + "…" + dsn[i:]
		}
	}
	return dsn
}
