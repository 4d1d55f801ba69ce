package shadow

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// Pairs added at the same time from many workers are all stored once, each
// with an id of its own, and counted once in the aggregates; on both
// databases.
func TestConcurrentAddsAreAllStoredOnce(t *testing.T) {
	eachDialect(t, func(t *testing.T, st *Store) {
		now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
		const n = 150 // more than maxGroup, so some groups are full
		pairs := make([]*Pair, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range pairs {
			pairs[i] = scoredPair(now.Add(time.Duration(i)*time.Second), "slm", "v1", i%3 != 0, time.Second)
			pairs[i].CaptureID = fmt.Sprintf("c-%d", i)
			wg.Add(1)
			go func() { defer wg.Done(); errs[i] = st.Add(context.Background(), pairs[i]) }()
		}
		wg.Wait()
		ids := map[int64]bool{}
		for i, p := range pairs {
			if errs[i] != nil || p.ID == 0 || ids[p.ID] {
				t.Fatalf("pair %d: id %d, err %v; want a new id and no error", i, p.ID, errs[i])
			}
			ids[p.ID] = true
		}
		ev, err := st.Evidence(context.Background(), "weather", "slm", "v1", time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if em := ev.Evaluators["exact_match"]; ev.Pairs != n || em.N != n || em.Passes != n-n/3 {
			t.Fatalf("evidence: pairs %d, exact_match %+v; want %d pairs, %d passes", ev.Pairs, em, n, n-n/3)
		}
	})
}

// Pairs queued while a commit is under way are written together, in one
// transaction; and when the database refuses one of them, the others are
// still stored and only that one's Add fails.
func TestQueuedPairsShareACommitAndOneRefusedPairFailsAlone(t *testing.T) {
	st := sqliteStore(t)
	ctx := context.Background()
	if _, err := st.db.ExecContext(ctx, `CREATE TRIGGER refuse BEFORE INSERT ON shadow_pairs WHEN NEW.capture_id = 'poison'
		BEGIN SELECT RAISE(ABORT, 'refused'); END`); err != nil {
		t.Fatal(err)
	}
	st.group.mu.Lock()
	st.group.leading = true // as while a commit is under way: every Add below queues
	st.group.mu.Unlock()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	errs := make(chan error, 5)
	pairs := make([]*Pair, 5)
	for i := range pairs {
		pairs[i] = scoredPair(now, "slm", "v1", true, time.Second)
		pairs[i].CaptureID = fmt.Sprintf("c-%d", i)
		if i == 2 {
			pairs[i].CaptureID = "poison"
		}
		go func() { errs <- st.Add(ctx, pairs[i]) }()
	}
	batch := waitQueued(t, st, 5)
	if len(batch) != 5 {
		t.Fatalf("one group took %d pairs; want all 5 queued", len(batch))
	}
	st.leadOn(ctx, batch)
	failed := 0
	for range pairs {
		if err := <-errs; err != nil {
			failed++
		}
	}
	ev, err := st.Evidence(ctx, "weather", "slm", "v1", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if failed != 1 || ev.Pairs != 4 || pairs[2].ID != 0 || pairs[0].ID == 0 {
		t.Fatalf("failed %d, stored %d, poison id %d; want the poison pair alone refused", failed, ev.Pairs, pairs[2].ID)
	}
	if st.group.leading {
		t.Fatal("the leader did not step down once the queue was empty")
	}
}

// waitQueued waits until n pairs are queued and takes them as one group.
func waitQueued(t *testing.T, st *Store, n int) []pendingAdd {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		st.group.mu.Lock()
		queued := len(st.group.queue)
		st.group.mu.Unlock()
		if queued == n {
			return st.group.take()
		}
	}
	t.Fatalf("%d pairs never got queued", n)
	return nil
}
