package router

import (
	"fmt"
	"testing"
)

// BigTableConfig is a config with n routes, each matching its own model
// name, half of them in a 25% canary, every fourth with a header condition.
func bigTable(t testing.TB, n int) *Table {
	tab, err := BigTable(n)
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

func BenchmarkDecide1Route(b *testing.B)     { benchDecide(b, 1) }
func BenchmarkDecide1000Routes(b *testing.B) { benchDecide(b, 1000) }

func benchDecide(b *testing.B, n int) {
	tab := bigTable(b, n)
	reqs := make([]Request, 64)
	for i := range reqs {
		reqs[i] = Request{Model: fmt.Sprintf("m-%d", (i*7919)%n), User: fmt.Sprint("user-", i)}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := tab.Decide(&reqs[i&63]); err != nil {
			b.Fatal(err)
		}
	}
}
