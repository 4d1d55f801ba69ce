package costs

import (
	"testing"
	"time"

	"github.com/fledgling-ai/fledgling/internal/capture"
	"github.com/fledgling-ai/fledgling/internal/openai"
)

// BenchmarkBatchAdd is the capture hook's in-memory aggregation per record.
func BenchmarkBatchAdd(b *testing.B) {
	rec := &capture.Record{Time: time.Now(), Route: "support", KeyID: "team-a", Tags: []string{"prod", "eu"}, AnsweringModel: "gpt-4o",
		PrimaryModel: "gpt-4o", Status: 200, Priced: true, CostMicros: 7500, Usage: openai.Usage{Input: openai.Some(1000), Output: openai.Some(500)}}
	batch := Batch{}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		rec.Time = rec.Time.Add(time.Second)
		batch.Add(rec)
	}
}
