package promotion

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fledgling-ai/fledgling/internal/config"
)

// coarse is a store whose aggregates are hourly: within the hour every
// "since" gets everything, as the shadow store's hourly rows do.
type coarse struct{ n int64 }

func (c *coarse) Evidence(context.Context, string, string, string, time.Time) (Evidence, error) {
	return Evidence{Evaluators: map[string]EvaluatorEvidence{"tool_call": {N: c.n, Passes: c.n}}, CandidateN: c.n, PrimaryN: c.n}, nil
}

// TestStepWindowsNeedFreshSamplesDespiteCoarseStore: each canary step waits
// for step_samples gathered in that step, not the hour's earlier pairs.
func TestStepWindowsNeedFreshSamplesDespiteCoarseStore(t *testing.T) {
	ctx := context.Background()
	cfg := loadCfg(t, strings.Replace(managerCfg, "step_duration: 1m", "step_duration: 1s", 1))
	clk := &clock{t: time.Unix(1_700_000_000, 0)}
	m := NewManager(openSQLite(t, filepath.Join(t.TempDir(), "p.db")), nil, quietLog(), nil)
	if err := m.Load(ctx); err != nil {
		t.Fatal(err)
	}
	src := &coarse{}
	c := &Controller{M: m, Source: src, Config: func() *config.Config { return cfg }, Now: clk.Now, Log: quietLog()}
	var ticksAt []int64
	last := ""
	for i := 0; i < 100; i++ {
		clk.Add(2 * time.Second)
		if i == 0 {
			clk.Add(time.Minute) // min_duration of the shadow stage
		}
		src.n += 10
		if err := c.Tick(ctx); err != nil {
			t.Fatal(err)
		}
		if st := m.Current().Route("r"); len(st) == 1 && st[0].label() != last {
			last = st[0].label()
			ticksAt = append(ticksAt, src.n)
		}
	}
	// shadow at 10, canary-1 at ≥200 (min_samples), then +50 per step (step_samples).
	if len(ticksAt) != 4 || ticksAt[1] < 200 || ticksAt[2]-ticksAt[1] < 50 || ticksAt[3]-ticksAt[2] < 50 {
		t.Fatalf("pairs seen at each stage change: %v (want shadow, canary-1 ≥200, then ≥50 fresh per step)", ticksAt)
	}
}
