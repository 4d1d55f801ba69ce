package demo

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/fledgling-ai/fledgling/trainer"
)

func (r *runner) intro(url, cfgPath, recipe, why string) {
	p := r.p
	fmt.Fprintf(r.o.Out, `Fledgling closed-loop demo
  traffic SIMULATOR   %s  (sim-large: always the accepted answer; sim-small: agrees %.0f%% on %v, %.0f%% on %s)
  gateway             %s  (in-process, SQLite, no Redis, config %s)
  dashboard           %s/dashboard
  prices              sim-large $%.2f / $%.2f per 1M input/output tokens; sim-small self-hosted $%.2f/GPU-hour at %d tokens/s
  workload            BFCL function-calling questions, one route per task, %g req/s per route, official openai-go client
`, r.sim.url, goodAgreement*100, GoodTasks, badAgreement*100, BadTask, url, cfgPath, url,
		largeInputPerMTok, largeOutputPerMTok, smallGPUHourUSD, smallTokensPerSec, r.t.ratePerRoute)
	if recipe == "" {
		fmt.Fprintf(r.o.Out, "  training            skipped: %s\n", why)
	} else {
		fmt.Fprintf(r.o.Out, "  training            exec backend, SIMULATED recipe %s\n", recipe)
	}
	p.event("phase 1: sim-small shadows every route; the gate promotes it in canary steps %v%% where it is good", r.t.steps)
}

// promote waits until sim-small is promoted on every good task and rolled
// back (rejected in shadow) on the bad one.
func (r *runner) promote(ctx context.Context) error {
	return r.waitFor(ctx, "promotion on "+fmt.Sprint(GoodTasks)+" and rejection on "+BadTask, r.t.phaseTimeout, func(s snapshot) bool {
		for _, task := range GoodTasks {
			if s.stageOf(task, "sim-small", "v1") != "promoted" {
				return false
			}
		}
		return s.stageOf(BadTask, "sim-small", "v1") == "rolled_back"
	})
}

// regress breaks sim-small on a promoted task and waits for the rollback.
func (r *runner) regress(ctx context.Context) error {
	r.p.event("phase 2: REGRESSION injected in the simulator: sim-small now agrees %.0f%% on %s (reverse shadow keeps comparing it to sim-large)",
		r.t.regressionTo*100, RegressedTask)
	if err := r.sim.setAgreement("sim-small", RegressedTask, r.t.regressionTo); err != nil {
		return err
	}
	return r.waitFor(ctx, "rollback on "+RegressedTask, r.t.phaseTimeout, func(s snapshot) bool {
		return s.stageOf(RegressedTask, "sim-small", "v1") == "rolled_back"
	})
}

// train asks for a training job on the rejected route; the SIMULATED
// recipe's adapter becomes a new candidate that must enter shadow (and, in
// the full demo, be promoted).
func (r *runner) train(ctx context.Context) (*Training, error) {
	r.p.event("phase 3: training on %s's captured sim-large answers: dataset → job (exec backend, SIMULATED recipe) → new candidate → shadow", BadTask)
	job, err := r.admin.startJob(ctx, BadTask)
	if err != nil {
		return nil, err
	}
	r.p.event("job %s queued on dataset %s", job.ID, job.DatasetID)
	tn := &Training{}
	deadline := time.Now().Add(r.t.phaseTimeout)
	for job.State != "succeeded" {
		if job.State == "failed" || job.State == "cancelled" || time.Now().After(deadline) {
			return tn, fmt.Errorf("demo: training job %s ended %s: %s", job.ID, job.State, job.Error)
		}
		time.Sleep(300 * time.Millisecond)
		if job, err = r.admin.job(ctx, job.ID); err != nil {
			return tn, err
		}
	}
	tn.Job = job
	r.p.event("job %s succeeded: %d steps, final loss %.3f, adapter %s", job.ID, job.Step, job.Loss, artifactPath(job))
	err = r.waitFor(ctx, "the trained candidate in shadow", r.t.phaseTimeout, func(s snapshot) bool { return r.trained(s, tn) })
	return tn, err
}

// trained finds the new candidate on BadTask and reports whether it got
// as far as this run wants.
func (r *runner) trained(s snapshot, tn *Training) bool {
	rs, err := s.route(BadTask)
	if err != nil {
		return false
	}
	for _, c := range rs.state.Candidates {
		if c.Model == "sim-small" {
			continue
		}
		tn.Model, tn.Version, tn.Candidate = c.Model, c.Version, c
		if ev := rs.evidence(c.Model, c.Version); ev != nil {
			tn.Pairs = ev.All.Pairs
		}
		if r.t.promoteTrained {
			return c.Stage == "promoted"
		}
		return tn.Pairs > 0
	}
	return false
}

func artifactPath(j trainer.Job) string {
	if j.Artifact == nil {
		return ""
	}
	return j.Artifact.AdapterPath
}

// findRecipe locates the simulated recipe and python3; "" and why when either is missing.
func findRecipe(given string) (string, string) {
	if _, err := exec.LookPath("python3"); err != nil {
		return "", "python3 not found (the SIMULATED recipe is a Python program)"
	}
	if given != "" {
		abs, _ := filepath.Abs(given)
		return abs, ""
	}
	dir, _ := os.Getwd()
	for {
		p := filepath.Join(dir, "trainer", "recipes", "simulated_recipe.py")
		if _, err := os.Stat(p); err == nil {
			return p, ""
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", "trainer/recipes/simulated_recipe.py not found above the working directory"
		}
		dir = parent
	}
}
