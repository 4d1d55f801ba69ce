package app

import (
	"reflect"
	"testing"

	"github.com/fledgling-ai/fledgling/promotion"
	"github.com/fledgling-ai/fledgling/router"
)

func TestRollbackWatcherReportsOnlyNewRollbacks(t *testing.T) {
	w := &rollbackWatcher{seen: map[string]string{}}
	state := func(stages map[string]string) promotion.State {
		st := promotion.State{Candidates: map[string]*promotion.Candidate{}}
		for route, stage := range stages {
			st.Candidates[route+"/small@v1"] = &promotion.Candidate{Route: route, Model: "small", Version: "v1", Stage: stage}
		}
		return st
	}
	// Already rolled back when the replica starts: not a new failure.
	if got := w.observe(state(map[string]string{"a": router.StageRolledBack, "b": router.StageShadow})); len(got) != 0 {
		t.Fatalf("startup state reported %v", got)
	}
	if got := w.observe(state(map[string]string{"a": router.StageRolledBack, "b": router.StagePromoted})); len(got) != 0 {
		t.Fatalf("promotion reported as rollback: %v", got)
	}
	if got := w.observe(state(map[string]string{"a": router.StageRolledBack, "b": router.StageRolledBack})); !reflect.DeepEqual(got, []string{"b"}) {
		t.Fatalf("rollback of b reported as %v, want [b]", got)
	}
	if got := w.observe(state(map[string]string{"a": router.StageRolledBack, "b": router.StageRolledBack})); len(got) != 0 {
		t.Fatalf("the same rollback reported twice: %v", got)
	}
}

// trainer.routes limits the automatic retraining after a rollback as it
// limits the other triggers.
func TestRollbackWatcherKeepsToTheTrainersRoutes(t *testing.T) {
	w := &rollbackWatcher{seen: map[string]string{}, routes: func() []string { return []string{"a"} }}
	st := func(stage string) promotion.State {
		return promotion.State{Candidates: map[string]*promotion.Candidate{
			"a/small@v1": {Route: "a", Model: "small", Version: "v1", Stage: stage},
			"b/small@v1": {Route: "b", Model: "small", Version: "v1", Stage: stage},
		}}
	}
	w.observe(st(router.StageShadow))
	if got := w.observe(st(router.StageRolledBack)); !reflect.DeepEqual(got, []string{"a"}) {
		t.Fatalf("rollbacks reported as %v, want only [a] (trainer.routes: [a])", got)
	}
}
