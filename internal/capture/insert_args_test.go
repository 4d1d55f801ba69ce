package capture

import (
	"context"
	"strings"
	"testing"

	"github.com/fledgling-ai/fledgling/internal/store"
)

// TestReusedEncodeBufferLeavesStoredRecordsIntact writes batches of
// different sizes one after the other, the later ones encoded into the
// buffer the earlier ones used (one batch spans two statements), and reads
// every record back as it was built: a driver that kept a parameter's bytes
// instead of copying them would store what a later batch wrote over them.
func TestReusedEncodeBufferLeavesStoredRecordsIntact(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, err := Open(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		var all []*Record
		n := 0
		for _, batch := range []struct{ size, content int }{{40, 3000}, {300, 10}, {5, 700}} {
			recs := make([]*Record, batch.size)
			for i := range recs {
				recs[i] = testRecord(n, "chat", "gpt-4o-mini")
				recs[i].Response.Content = strings.Repeat(string(rune('a'+n%26)), batch.content)
				n++
			}
			if got, err := s.insert(ctx, recs, nil); err != nil || got != len(recs) {
				t.Fatalf("insert %d records: %d inserted, err %v", len(recs), got, err)
			}
			all = append(all, recs...)
		}
		for _, want := range all {
			got, err := s.Get(ctx, want.ID)
			if err != nil {
				t.Fatalf("get %s: %v", want.ID, err)
			}
			if got.Response.Content != want.Response.Content || string(got.Request) != string(want.Request) {
				t.Fatalf("%s read back as content %.20q… (%d bytes), request %s; want %.20q… (%d bytes), %s", want.ID,
					got.Response.Content, len(got.Response.Content), got.Request, want.Response.Content, len(want.Response.Content), want.Request)
			}
		}
	})
}
