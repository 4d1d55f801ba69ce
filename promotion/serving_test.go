package promotion

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/fledgling-ai/fledgling/internal/capture"
	"github.com/fledgling-ai/fledgling/internal/store"
)

func TestServingCounterCountsCandidateFallbacks(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sc, err := OpenServingCounter(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	rec := func(stage, target, answering string, status int) *capture.Record {
		return &capture.Record{Route: "r", Time: now, Stage: stage, PrimaryModel: "big", TargetModel: target, AnsweringModel: answering, Status: status}
	}
	recs := []*capture.Record{
		rec("canary-1", "small", "small", 200), // served
		rec("canary-1", "small", "big", 200),   // candidate failed, primary answered
		rec("promoted", "small", "small", 200), // served
		rec("canary-1", "big", "big", 200),     // primary share: not counted
		rec("shadow", "small", "small", 200),   // not a candidate stage
		rec("promoted", "small", "small", 502), // failed outright
	}
	tx, _ := db.BeginTx(ctx, nil)
	if err := sc.OnBatch(ctx, tx, db.Dialect, recs); err != nil {
		t.Fatal(err)
	}
	tx.Commit()
	served, failed, err := sc.Serving(ctx, "r", "small", now.Add(-time.Hour))
	if err != nil || served != 4 || failed != 2 {
		t.Fatalf("served %d failed %d err %v; want 4 and 2", served, failed, err)
	}
}
