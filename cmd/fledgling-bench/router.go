package main

import (
	"context"
	"fmt"
	"testing"

	"github.com/fledgling-ai/fledgling/router"
)

func init() { register("router", 20, runRouterBench) }

// runRouterBench measures the per-request routing decision for a table of
// 1,000 routes (half in a canary, sticky-hashed) against a 1-route table.
func runRouterBench(_ context.Context, quick bool) error {
	fmt.Printf("%-32s %12s %12s %10s\n", "table", "ns/op", "B/op", "allocs/op")
	for _, n := range []int{1, 1000} {
		tab, err := router.BigTable(n)
		if err != nil {
			return fmt.Errorf("build %d-route table: %w", n, err)
		}
		r := testing.Benchmark(func(b *testing.B) { decideLoop(b, tab, n) })
		label := fmt.Sprintf("%d route(s)", n)
		if n == 1 {
			label += " (baseline)"
		}
		fmt.Printf("%-32s %12.1f %12d %10d\n", label, float64(r.T.Nanoseconds())/float64(r.N), r.AllocedBytesPerOp(), r.AllocsPerOp())
	}
	_ = quick
	return nil
}

func decideLoop(b *testing.B, tab *router.Table, n int) {
	reqs := make([]router.Request, 64)
	for i := range reqs {
		reqs[i] = router.Request{Model: fmt.Sprintf("m-%d", (i*7919)%n), User: fmt.Sprint("user-", i)}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := tab.Decide(&reqs[i&63]); err != nil {
			b.Fatal(err)
		}
	}
}
