package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/debug"
	"sync/atomic"
	"testing"
	"time"
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
	rounds, err := capSettle(context.Background(), http.DefaultClient, setups, 3, 0, capSettleDefault)
	if err != nil {
		t.Fatal(err)
	}
	if rounds != 1 || calls.Load() != 6 {
		t.Fatalf("ran %d rounds, %d calls; want 1 round of 3 calls for each of 2 setups", rounds, calls.Load())
	}
}

// Without collections it gives up once both its rounds and its time have
// passed: after the rounds when they take longer, after the time when they
// are quicker.
func TestCapSettleGivesUpAfterItsRoundsAndItsTime(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(-1)) // no collection but the test's
	for _, b := range []capSettleBudget{{gcs: 2, rounds: 4}, {gcs: 2, rounds: 1, time: 200 * time.Millisecond}} {
		setups, calls := capSettleFixture(t, false)
		t0 := time.Now()
		rounds, err := capSettle(context.Background(), http.DefaultClient, setups, 3, 0, b)
		if err != nil {
			t.Fatal(err)
		}
		if rounds < b.rounds || time.Since(t0) < b.time || calls.Load() != int64(6*rounds) {
			t.Fatalf("%v: ran %d rounds (%d calls) in %s", b, rounds, calls.Load(), time.Since(t0))
		}
		if b.time == 0 && rounds != b.rounds {
			t.Fatalf("%v: ran %d rounds, want %d", b, rounds, b.rounds)
		}
	}
}
