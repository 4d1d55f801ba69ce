package shadow

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/fledgling-ai/fledgling/router"
)

// BenchmarkDuplicateDrop is the tee's cost on its caller when the
// candidate's queue is full: the worst case of a hung candidate.
func BenchmarkDuplicateDrop(b *testing.B) {
	hung := newFakeModel(b, func([]byte) (int, string) { return 0, "" })
	tee := NewTee(Options{QueueSize: 1, Concurrency: 1, Timeout: time.Hour}, Deps{Caller: httpCaller{hung.srv.URL}, Store: &Store{}, Metrics: NewMetrics(prometheus.NewRegistry())})
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
		defer cancel()
		tee.Close(ctx)
	}()
	rec := record("r", toolRequest("Paris"), weatherCall("Paris"))
	d := decision(router.Shadow{Model: "slm", Version: "v1", Rate: 1})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		tee.Duplicate(ctx, rec, d)
	}
}
