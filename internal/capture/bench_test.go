package capture

import (
	"context"
	"fmt"
	"testing"

	"github.com/fledgling-ai/fledgling/internal/store"
)

func BenchmarkInsertBatchSQLite(b *testing.B) {
	db := openDB(b, store.SQLite)
	s, err := Open(context.Background(), db)
	if err != nil {
		b.Fatal(err)
	}
	recs := make([]*Record, 512)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for j := range recs {
			recs[j] = testRecord(i*512+j, "chat", "m")
			recs[j].ID = fmt.Sprintf("r-%d-%d", i, j)
		}
		if _, err := s.insert(context.Background(), recs, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*512)/b.Elapsed().Seconds(), "records/s")
}
