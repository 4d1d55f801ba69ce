package promotion

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/fledgling-ai/fledgling/internal/store"
)

func TestFencingRejectsADeposedLeader(t *testing.T) {
	ctx := context.Background()
	prefix := fmt.Sprintf("fledgling-test:fence:%d:%d:", os.Getpid(), time.Now().UnixNano())
	cleanPrefix(t, prefix)
	rdb := redis.NewClient(&redis.Options{Addr: testRedis})
	defer rdb.Close()
	sh := NewShared(rdb, prefix)
	old := NewLease(sh, "old", 300*time.Millisecond, quietLog())
	old.tick(ctx)
	tokOld, ok := old.Token()
	if !ok {
		t.Fatal("first replica did not get the lease")
	}
	// An empty Redis accepts the store's version (seeding after a flush).
	st := State{Version: 1, Candidates: map[string]*Candidate{}}
	if err := sh.Write(ctx, st, []byte(`{"version":1}`), 7, tokOld); err != nil {
		t.Fatal(err)
	}
	// The old leader stalls past its TTL; another replica takes the lease.
	time.Sleep(400 * time.Millisecond)
	if _, ok := old.Token(); ok {
		t.Fatal("lease still held locally after its TTL without renewal")
	}
	nl := NewLease(sh, "new", 300*time.Millisecond, quietLog())
	nl.tick(ctx)
	tokNew, ok := nl.Token()
	if !ok || tokNew <= tokOld {
		t.Fatalf("new token %d (ok %v) not above %d", tokNew, ok, tokOld)
	}
	// Even before the new leader writes, the stale token is rejected.
	st.Version = 2
	if err := sh.Write(ctx, st, []byte(`{"version":2}`), 1, tokOld); !errors.Is(err, ErrStaleToken) {
		t.Fatalf("stale write: %v", err)
	}
	if err := sh.Write(ctx, st, []byte(`{"version":2}`), 0, tokNew); !errors.Is(err, ErrConflict) {
		t.Fatalf("write on an old version: %v", err)
	}
	if err := sh.Write(ctx, st, []byte(`{"version":2}`), 1, tokNew); err != nil {
		t.Fatal(err)
	}
	// The old lease cannot be renewed: its value was replaced.
	old.set(tokOld, time.Now().Add(time.Hour))
	old.tick(ctx)
	if tok, _ := old.Token(); tok == tokOld {
		t.Fatal("deposed leader renewed its lease")
	}
	if id, tok, _ := sh.Holder(ctx); id != "new" || tok != tokNew {
		t.Fatalf("holder %s %d", id, tok)
	}
}

func TestStoreOnPostgres(t *testing.T) {
	ctx := context.Background()
	schema := fmt.Sprintf("promo_test_%d_%d", os.Getpid(), time.Now().UnixNano()%1e9)
	admin, err := store.Open(ctx, "postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	defer admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE")
	db, err := store.Open(ctx, "postgres://postgres@127.0.0.1:5432/test?sslmode=disable&search_path="+schema)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s, err := OpenStore(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	c := &Candidate{Route: "r", Model: "small", Version: "v1", Stage: "canary", Step: 1, Share: 0.01}
	st := State{Version: 1, Candidates: map[string]*Candidate{c.Key(): c}}
	tr := &Transition{Route: "r", Model: "small", Version: "v1", From: "shadow", To: "canary-1", Actor: "controller", At: time.Now(), StateVersion: 1}
	if err := s.Save(ctx, st, []*Transition{tr}, true); err != nil {
		t.Fatal(err)
	}
	if err := s.Save(ctx, st, nil, true); !errors.Is(err, ErrConflict) {
		t.Fatalf("second save of version 1: %v", err)
	}
	got, err := s.Load(ctx)
	if err != nil || got.Version != 1 || got.Candidates[c.Key()].Stage != "canary" {
		t.Fatalf("load %+v %v", got, err)
	}
	h, err := s.History(ctx, "r", 10)
	if err != nil || len(h) != 1 || h[0].To != "canary-1" {
		t.Fatalf("history %+v %v", h, err)
	}
}
