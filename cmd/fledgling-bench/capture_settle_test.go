package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/debug"
	"sync/atomic"
	"testing"
)

// capSettleFixture is two setups served by one trivial server; gc makes
// each setup's after() run a collection.
func capSettleFixture(t *testing.T, gc bool) ([]capSetup, *atomic.Int64) {
	t.Helper()
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Write([]byte("{}"))
	}))
	t.Cleanup(srv.Close)
	after := func() {}
	if gc {
		after = runtime.GC
	}
	s := capSetup{name: "s", url: srv.URL, after: after, stats: localStats}
	return []capSetup{s, s}, &calls
}

func TestCapSettleStopsOnceTheHeapWasCollectedTwice(t *testing.T) {
	setups, calls := capSettleFixture(t, true)
	rounds, err := capSettle(context.Background(), http.DefaultClient, setups, 3, 0)
	if err != nil {
		t.Fatal(err)
	}
	if rounds != 1 || calls.Load() != 6 {
		t.Fatalf("ran %d rounds, %d calls; want 1 round of 3 calls for each of 2 setups", rounds, calls.Load())
	}
}

func TestCapSettleRunsAtMostItsRounds(t *testing.T) {
	setups, calls := capSettleFixture(t, false)
	defer debug.SetGCPercent(debug.SetGCPercent(-1)) // no collection but the test's
	rounds, err := capSettle(context.Background(), http.DefaultClient, setups, 3, 0)
	if err != nil {
		t.Fatal(err)
	}
	if rounds != capSettleRounds || calls.Load() != int64(6*capSettleRounds) {
		t.Fatalf("ran %d rounds, %d calls; want %d rounds", rounds, calls.Load(), capSettleRounds)
	}
}
