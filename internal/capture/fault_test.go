package capture

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fledgling-ai/fledgling/internal/store"
)

// cutProxy forwards TCP to PostgreSQL until cut: then it drops every open
// connection and refuses new ones (accepts and closes) until restored.
type cutProxy struct {
	ln     net.Listener
	target string
	cut    atomic.Bool
	mu     sync.Mutex
	conns  []net.Conn
}

func newCutProxy(t *testing.T, target string) *cutProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{ln: ln, target: target}
	t.Cleanup(func() { ln.Close(); p.dropAll() })
	go p.serve()
	return p
}

func (p *cutProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		if p.cut.Load() {
			c.Close()
			continue
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, c, up)
		p.mu.Unlock()
		go func() { io.Copy(up, c); up.Close() }()
		go func() { io.Copy(c, up); c.Close() }()
	}
}

func (p *cutProxy) dropAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func (p *cutProxy) setCut(cut bool) {
	p.cut.Store(cut)
	if cut {
		p.dropAll()
	}
}

func TestPostgresOutageUnderLoadLosesNothingAndDuplicatesNothing(t *testing.T) {
	ctx := context.Background()
	proxy := newCutProxy(t, "127.0.0.1:5432")
	direct := pgSchemaDSN(t, testPostgresDSN)
	schema := direct[strings.Index(direct, "search_path=")+len("search_path="):]
	viaProxy := fmt.Sprintf("postgres://postgres@%s/test?sslmode=disable&connect_timeout=2&search_path=%s", proxy.ln.Addr(), schema)
	db, err := store.Open(ctx, viaProxy)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	check, _ := store.Open(ctx, direct)
	defer check.Close()
	if _, err := check.ExecContext(ctx, `CREATE TABLE hook_rollup (id TEXT)`); err != nil {
		t.Fatal(err)
	}
	w := newTestWriter(t, db, func(o *Options) { o.WriteTimeout = time.Second })
	h := &countingHook{seen: map[string]int{}}
	w.AddHook(h)

	const total = 3000
	done := make(chan struct{})
	go func() { // steady load: 3000 records over ~1.5s from 4 producers
		defer close(done)
		var wg sync.WaitGroup
		for p := 0; p < 4; p++ {
			wg.Add(1)
			go func(p int) {
				defer wg.Done()
				for i := p; i < total; i += 4 {
					w.Record(testRecord(i, "chat", "m"))
					if i%40 == p {
						time.Sleep(20 * time.Millisecond)
					}
				}
			}(p)
		}
		wg.Wait()
	}()
	time.Sleep(300 * time.Millisecond)
	proxy.setCut(true)
	time.Sleep(600 * time.Millisecond)
	proxy.setCut(false)
	<-done
	waitFor(t, 10*time.Second, func() bool { return w.SpillPending() == 0 && w.Depth() == 0 })
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if w.Spilled() == 0 {
		t.Fatal("the outage spilled nothing: the test did not exercise the journal")
	}
	var rows, distinct, rollup int
	check.QueryRowContext(ctx, `SELECT COUNT(*), COUNT(DISTINCT id) FROM captures`).Scan(&rows, &distinct)
	check.QueryRowContext(ctx, `SELECT COUNT(*) FROM hook_rollup`).Scan(&rollup)
	if rows != total || distinct != total || rollup != total {
		t.Fatalf("after outage: %d rows, %d distinct, %d rollup rows; want %d each (spilled %d)", rows, distinct, rollup, total, w.Spilled())
	}
	t.Logf("outage spilled %d of %d records; all stored exactly once", w.Spilled(), total)
}

func TestCloseFlushesEverythingQueued(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		// A flush interval far longer than the test: only Close can write.
		w := newTestWriter(t, db, func(o *Options) { o.FlushInterval = time.Hour; o.BatchSize = 100000; o.QueueSize = 5000 })
		for i := 0; i < 1500; i++ {
			w.Record(testRecord(i, "chat", "m"))
		}
		if err := w.Close(ctx); err != nil {
			t.Fatal(err)
		}
		w.Record(testRecord(99999, "chat", "m")) // after Close: journal, not lost
		if c, _ := w.Count(ctx, Filter{}); c != 1500 {
			t.Fatalf("stored %d after Close; want 1500", c)
		}
		if w.Lost() != 0 || w.SpillPending() != 1 {
			t.Fatalf("late record: lost %d, pending %d; want 0 and 1", w.Lost(), w.SpillPending())
		}
	})
}

func TestFullQueueSpillsAndJournalIsReplayedByTheNextWriter(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, store.SQLite)
	spill := t.TempDir()
	w := newTestWriter(t, db, func(o *Options) { o.QueueSize = 1; o.FlushInterval = time.Hour; o.SpillDir = spill })
	for i := 0; i < 50; i++ {
		w.Record(testRecord(i, "chat", "m"))
	}
	if w.Spilled() == 0 {
		t.Fatalf("spilled %d; a full queue must spill", w.Spilled())
	}
	// Simulate a crash: the journal stays on disk; a new writer replays it.
	w2 := newTestWriter(t, db, func(o *Options) { o.SpillDir = spill })
	waitFor(t, 5*time.Second, func() bool { c, _ := w2.Count(ctx, Filter{}); return c >= int64(w.Spilled()) })
	w.Close(ctx)
	w2.Close(ctx)
	if c, _ := w2.Count(ctx, Filter{}); c != 50 {
		t.Fatalf("stored %d; want 50", c)
	}
}

func waitFor(t *testing.T, d time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in time")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestTornJournalLineIsSkippedAndTheRestReplayed(t *testing.T) {
	ctx := context.Background()
	spill := t.TempDir()
	a, _ := json.Marshal(testRecord(1, "chat", "m"))
	b, _ := json.Marshal(testRecord(2, "chat", "m"))
	torn := append(append(append(a, '\n'), append(b, '\n')...), []byte(`{"id":"req-000003","ti`)...)
	if err := os.WriteFile(filepath.Join(spill, "capture-00000000000000000001-000001.jsonl"), torn, 0o600); err != nil {
		t.Fatal(err)
	}
	w := newTestWriter(t, openDB(t, store.SQLite), func(o *Options) { o.SpillDir = spill })
	waitFor(t, 5*time.Second, func() bool { return w.SpillPending() == 0 })
	if c, _ := w.Count(ctx, Filter{}); c != 2 {
		t.Fatalf("replayed %d records; want the 2 intact ones", c)
	}
}
