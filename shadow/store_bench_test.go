package shadow

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkStoreAdd stores pairs from 16 concurrent workers, grouped into
// shared commits as Add does and, as the baseline, one transaction per pair;
// on a database with the 16 KiB pages Fledgling creates and on one with
// SQLite's default 4 KiB pages (made by an earlier version).
func BenchmarkStoreAdd(b *testing.B) {
	for _, pages := range []int{16384, 4096} {
		for _, grouped := range []bool{false, true} {
			b.Run(fmt.Sprintf("pages=%d/grouped=%v", pages, grouped), func(b *testing.B) {
				st := benchStore(b, pages)
				ctx := context.Background()
				add := func(p *Pair) error { return st.addTx(ctx, []*Pair{p}) }
				if grouped {
					add = func(p *Pair) error { return st.Add(ctx, p) }
				}
				now := time.Now()
				b.SetParallelism(8) // 16 workers on two processors
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if err := add(scoredPair(now, "slm", "v1", true, time.Second)); err != nil {
							b.Error(err)
							return
						}
					}
				})
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pairs/s")
			})
		}
	}
}

// benchStore is a shadow store on a new SQLite database with the given page
// size: 4096 is made as an older Fledgling made it, before store.Open.
func benchStore(b *testing.B, pages int) *Store {
	path := filepath.Join(b.TempDir(), "shadow.db")
	if pages != 16384 {
		raw, err := sql.Open("sqlite", path)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := raw.Exec(fmt.Sprintf("PRAGMA page_size=%d; CREATE TABLE made_before (v)", pages)); err != nil {
			b.Fatal(err)
		}
		raw.Close()
	}
	return sqliteStoreAt(b, path)
}
