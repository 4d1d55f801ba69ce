package demo

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

// TestClosedLoop runs the demo's loop with test-speed settings: shadow →
// canary → promoted where sim-small is good, never promoted where it is
// not, a regression rolled back, a SIMULATED training job whose candidate
// enters shadow; then checks the dashboard's money against the simulator's
// ground truth, that no application request failed and that every call was
// captured exactly once.
func TestClosedLoop(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Second)
	defer cancel()
	var out strings.Builder
	rep, err := Run(ctx, Options{Short: true, Out: &out, Dir: t.TempDir()})
	if testing.Verbose() {
		os.Stdout.WriteString(out.String())
	}
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if rep.TrainingSkipped != "" || len(rep.Training) != 2 {
		t.Fatalf("the retraining step did not run on both failed routes: %q %+v", rep.TrainingSkipped, rep.Training)
	}
	for _, p := range Check(rep) {
		t.Error(p)
	}
	t.Logf("loop took %s: %d requests", rep.Took.Round(time.Millisecond), len(rep.Results))
}
