package capture

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fledgling-ai/fledgling/internal/bgprio"
	"github.com/fledgling-ai/fledgling/internal/store"
)

func TestWriterStoresAndQueriesOnBothDialects(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newTestWriter(t, db, nil)
		for i := 0; i < 30; i++ {
			route, model := "chat", "gpt-4o-mini"
			if i%3 == 0 {
				route, model = "tools", "small-1"
			}
			w.Record(testRecord(i, route, model))
		}
		if err := w.Close(ctx); err != nil {
			t.Fatal(err)
		}
		got, err := w.Query(ctx, Filter{Route: "tools"})
		if err != nil || len(got) != 10 {
			t.Fatalf("route filter: %d records, err %v; want 10", len(got), err)
		}
		if got[0].AnsweringModel != "small-1" || got[0].Usage.Input.Or(-1) != 9 || got[0].Metadata["k"] != "v" || string(got[0].Request) == "" {
			t.Fatalf("record did not round-trip: %+v", got[0])
		}
		got, _ = w.Query(ctx, Filter{Model: "gpt-4o-mini", From: testEpoch.Add(10 * time.Millisecond), To: testEpoch.Add(20 * time.Millisecond)})
		if len(got) != 7 { // 10..19 minus 12, 15, 18
			t.Fatalf("model+time filter: %d records; want 7", len(got))
		}
		page, _ := w.Query(ctx, Filter{Limit: 5})
		next, _ := w.Query(ctx, Filter{Limit: 5, AfterID: page[4].ID})
		if len(next) != 5 || next[0].ID == page[4].ID {
			t.Fatalf("paging by AfterID broken: %v", ids(next))
		}
		last, _ := w.Query(ctx, Filter{Limit: 3, Newest: true})
		if len(last) != 3 || last[2].ID != "req-000029" {
			t.Fatalf("newest: %v", ids(last))
		}
		if r, err := w.Get(ctx, "req-000007"); err != nil || r.ID != "req-000007" {
			t.Fatalf("get: %v %v", r, err)
		}
		if _, err := w.Get(ctx, "nope"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("get unknown: %v", err)
		}
	})
}

// countingHook counts the records it saw and writes them to a derived table
// in the batch's transaction.
type countingHook struct {
	mu   sync.Mutex
	seen map[string]int
}

func (h *countingHook) OnBatch(ctx context.Context, tx *sql.Tx, _ store.Dialect, recs []*Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, r := range recs {
		h.seen[r.ID]++
		if _, err := tx.ExecContext(ctx, `INSERT INTO hook_rollup (id) VALUES ($1)`, r.ID); err != nil {
			return err
		}
	}
	return nil
}

func TestHooksSeeEachRecordOnceEvenWhenReplayed(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if _, err := db.ExecContext(ctx, `CREATE TABLE hook_rollup (id TEXT)`); err != nil {
			t.Fatal(err)
		}
		w := newTestWriter(t, db, nil)
		h := &countingHook{seen: map[string]int{}}
		w.AddHook(h)
		for i := 0; i < 10; i++ {
			w.Record(testRecord(i, "chat", "m"))
		}
		w.Flush(ctx)
		// The same records again, as a replay after a crash would bring them.
		for i := 0; i < 10; i++ {
			w.Record(testRecord(i, "chat", "m"))
		}
		w.Flush(ctx)
		// A batch of new records mixed with stored ones and one repeated.
		for _, i := range []int{3, 10, 4, 11, 11, 9, 12} {
			w.Record(testRecord(i, "chat", "m"))
		}
		w.Close(ctx)
		var n int
		db.QueryRowContext(ctx, `SELECT COUNT(*) FROM hook_rollup`).Scan(&n)
		if n != 13 || len(h.seen) != 13 {
			t.Fatalf("rollup rows %d, hook saw %d ids; want 13 each", n, len(h.seen))
		}
		for id, c := range h.seen {
			if c != 1 {
				t.Fatalf("hook saw %s %d times", id, c)
			}
		}
		if c, _ := w.Count(ctx, Filter{}); c != 13 {
			t.Fatalf("stored %d; want 13 (duplicates skipped)", c)
		}
	})
}

func TestFailingHookRollsBackTheBatch(t *testing.T) {
	db := openDB(t, store.SQLite)
	w := newTestWriter(t, db, nil)
	w.AddHook(hookFunc(func() error { return errors.New("rollup broken") }))
	w.Record(testRecord(1, "chat", "m"))
	w.Flush(context.Background())
	if c, _ := w.Count(context.Background(), Filter{}); c != 0 {
		t.Fatalf("record committed although its hook failed")
	}
	if w.Spilled() != 1 || w.SpillPending() < 1 {
		t.Fatalf("failed batch not kept in the journal: spilled %d pending %d", w.Spilled(), w.SpillPending())
	}
}

type hookFunc func() error

func (f hookFunc) OnBatch(context.Context, *sql.Tx, store.Dialect, []*Record) error { return f() }

func TestRetentionDeletesOldRecords(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newTestWriter(t, db, nil)
		old := testRecord(1, "chat", "m")
		old.Time = time.Now().Add(-48 * time.Hour)
		fresh := testRecord(2, "chat", "m")
		fresh.Time = time.Now()
		w.Record(old)
		w.Record(fresh)
		w.Flush(ctx)
		n, err := w.Store.Prune(ctx, 24*time.Hour)
		if err != nil || n != 1 {
			t.Fatalf("pruned %d, err %v; want 1", n, err)
		}
		if _, err := w.Get(ctx, fresh.ID); err != nil {
			t.Fatalf("fresh record pruned: %v", err)
		}
	})
}

func ids(rs []*Record) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}

func TestScanPagesThroughARouteAndTimeRange(t *testing.T) {
	db := openDB(t, store.SQLite)
	w := newTestWriter(t, db, func(o *Options) { o.BatchSize = 2000; o.QueueSize = 4000 })
	for i := 0; i < 1200; i++ {
		route := "chat"
		if i%4 == 0 {
			route = "tools"
		}
		w.Record(testRecord(i, route, "m"))
	}
	w.Close(context.Background())
	var got []string
	err := w.Scan(context.Background(), "chat", testEpoch.Add(100*time.Millisecond), testEpoch.Add(1100*time.Millisecond), func(r *Record) error {
		got = append(got, r.ID)
		return nil
	})
	if err != nil || len(got) != 750 || got[0] != "req-000101" || got[len(got)-1] != "req-001099" {
		t.Fatalf("scan: %d records (%v…), err %v; want 750 from req-000101 to req-001099", len(got), got[:min(3, len(got))], err)
	}
	stop := errors.New("stop")
	n := 0
	if err := w.Scan(context.Background(), "", time.Time{}, time.Time{}, func(*Record) error { n++; return stop }); !errors.Is(err, stop) || n != 1 {
		t.Fatalf("fn error must stop the scan: %v after %d", err, n)
	}
}

// A whole batch is written as soon as it is queued, not at the next tick.
func TestWriterWritesAFullBatchWithoutWaitingForTheInterval(t *testing.T) {
	db := openDB(t, store.SQLite)
	ctx := context.Background()
	w := newTestWriter(t, db, func(o *Options) { o.FlushInterval, o.BatchSize = time.Hour, 8 })
	for i := 0; i < 8; i++ {
		w.Record(testRecord(i, "chat", "gpt-4o-mini"))
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, err := w.Query(ctx, Filter{})
		if err == nil && len(got) == 8 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a full batch of 8 was not written within 10s (flush interval 1h): %d stored, err %v", len(got), err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	w.Record(testRecord(8, "chat", "gpt-4o-mini")) // a partial batch waits for the tick or Close
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := w.Query(ctx, Filter{}); len(got) != 9 {
		t.Fatalf("Close left %d of 9 records", len(got))
	}
}

// With LowPriority the database work runs through bgprio.Do, and a panic
// there still reaches the writer: the batch goes to the journal, the
// writer lives on, and the replay stores every record once.
func TestLowPriorityWriterSpillsABatchThatPanicsOnTheIdleThread(t *testing.T) {
	db := openDB(t, store.SQLite)
	w := newTestWriter(t, db, func(o *Options) { o.LowPriority = true })
	var broken atomic.Bool
	broken.Store(true)
	w.AddHook(hookFunc(func() error {
		if broken.Load() {
			panic("rollup bug")
		}
		return nil
	}))
	ran := bgprio.Ran()
	ctx := context.Background()
	w.Record(testRecord(1, "chat", "m"))
	w.Flush(ctx)
	if w.Spilled() != 1 || w.SpillPending() < 1 {
		t.Fatalf("panicking batch not kept in the journal: spilled %d pending %d", w.Spilled(), w.SpillPending())
	}
	broken.Store(false)
	w.Record(testRecord(2, "chat", "m"))
	w.Close(ctx) // writes the queue and replays the journal
	if c, _ := w.Count(ctx, Filter{}); c != 2 {
		t.Fatalf("stored %d records, want 2", c)
	}
	if bgprio.Ran() == ran {
		t.Fatal("no database work ran on the idle-priority thread")
	}
}

// The SQLite insert must not be able to abort halfway through its rows:
// a statement that may (HaltIfNull, or a Halt that raises an error) makes
// SQLite keep a statement journal, which with 16 KiB pages spilled to a
// temporary file on every batch. Its program, as EXPLAIN lists it, has no
// such instruction; with ON CONFLICT DO NOTHING it had one for every NOT
// NULL column of every row.
func TestSQLiteInsertCannotAbortMidway(t *testing.T) {
	db := openDB(t, store.SQLite)
	if _, err := Open(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	const n = 3
	rows, err := db.QueryContext(context.Background(), "EXPLAIN "+insertStatement(store.SQLite, n), make([]any, n*nInsertColumns)...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	ops := 0
	for rows.Next() {
		var addr, p1, p2, p3, p5 int64
		var op, p4, comment sql.NullString
		if err := rows.Scan(&addr, &op, &p1, &p2, &p3, &p4, &p5, &comment); err != nil {
			t.Fatal(err)
		}
		ops++
		if op.String == "HaltIfNull" || op.String == "Halt" && p1 != 0 {
			t.Errorf("instruction %d: %s p1=%d p2=%d (%s): the insert may abort midway", addr, op.String, p1, p2, p4.String)
		}
	}
	if err := rows.Err(); err != nil || ops < 10 {
		t.Fatalf("EXPLAIN listed %d instructions (err %v)", ops, err)
	}
}
