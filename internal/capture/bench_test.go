package capture

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/fledgling-ai/fledgling/internal/config"
	"github.com/fledgling-ai/fledgling/internal/store"
)

// BenchmarkInsertBatchSQLite writes batches of the default size, with the
// INSERT prepared once (as the Writer keeps it) and, as the baseline,
// prepared anew for every batch.
func BenchmarkInsertBatchSQLite(b *testing.B) {
	for _, prepared := range []bool{false, true} {
		b.Run(fmt.Sprintf("prepared=%v", prepared), func(b *testing.B) {
			db := openDB(b, store.SQLite)
			s, err := Open(context.Background(), db)
			if err != nil {
				b.Fatal(err)
			}
			n := config.DefaultBatchSize
			if prepared {
				s.prepared.keep(n)
				defer s.prepared.close()
			}
			recs := make([]*Record, n)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				for j := range recs {
					recs[j] = testRecord(i*n+j, "chat", "m")
					recs[j].ID = fmt.Sprintf("r-%d-%d", i, j)
				}
				if _, err := s.insert(context.Background(), recs, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

// BenchmarkEncodeRecord: the hand-written record encoding against
// json.Marshal (the baseline) on a realistic chat record with one attempt.
func BenchmarkEncodeRecord(b *testing.B) {
	r := testRecord(1, "support", "gpt-4o-mini")
	r.Attempts = []Attempt{{Model: "gpt-4o-mini", Provider: "openai", UpstreamModel: "gpt-4o-mini-2024-07-18",
		Start: r.Time, Duration: r.Latency, Status: 200, Usage: r.Usage, CostMicros: 42}}
	b.Run("json.Marshal", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			c := *r
			c.Request = nil
			if _, err := json.Marshal(&c); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("appendRecord", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, err := encodeWithoutRequest(r); err != nil {
				b.Fatal(err)
			}
		}
	})
}
