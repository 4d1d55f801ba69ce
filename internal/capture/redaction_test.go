package capture

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/fledgling-ai/fledgling/internal/store"
)

func TestRedactedRunsTheRedactionOnceForAllReaders(t *testing.T) {
	rec := testRecord(1, "chat", "m")
	var calls atomic.Int32
	rec.DeferRedaction(func(r *Record) *Record {
		calls.Add(1)
		c := *r
		c.Response.Content = "[REDACTED]"
		return &c
	})
	got := make([]*Record, 8)
	var wg sync.WaitGroup
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], _ = rec.Redacted()
		}()
	}
	wg.Wait()
	if n := calls.Load(); n != 1 {
		t.Fatalf("redaction ran %d times, want once", n)
	}
	for _, g := range got {
		if g != got[0] || g.Response.Content != "[REDACTED]" {
			t.Fatalf("readers got different or unredacted records: %+v", g.Response)
		}
	}
	if rec.Response.Content != "hi" {
		t.Fatal("the original was modified")
	}
	if again, _ := got[0].Redacted(); again != got[0] {
		t.Fatal("the redacted copy carries the redaction on: Redacted of it is not itself")
	}
	plain := testRecord(2, "chat", "m")
	if r, err := plain.Redacted(); r != plain || err != nil {
		t.Fatal("a record without a deferred redaction is not its own Redacted")
	}
}

// A redaction that panics loses the record, counted and logged, and never
// lets it be stored raw.
func TestWriterDropsARecordWhoseRedactionFails(t *testing.T) {
	db := openDB(t, store.SQLite)
	w := newTestWriter(t, db, nil)
	bad := testRecord(1, "chat", "m")
	bad.DeferRedaction(func(*Record) *Record { panic("pattern bug") })
	w.Record(bad)
	w.Record(testRecord(2, "chat", "m"))
	ctx := context.Background()
	w.Flush(ctx)
	if c, _ := w.Count(ctx, Filter{}); c != 1 {
		t.Fatalf("stored %d records, want only the one whose redaction worked", c)
	}
	if w.Lost() != 1 {
		t.Fatalf("lost %d, want 1", w.Lost())
	}
	if _, err := bad.Redacted(); err == nil || !strings.Contains(err.Error(), "pattern bug") {
		t.Fatalf("Redacted error %v, want the panic", err)
	}
}
