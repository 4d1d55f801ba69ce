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

// train follows the retraining of the routes whose gate failed: the
// rolled-back candidate asked the trainer for a job (gate_failed) — or, if
// no job shows up, the demo asks for one — whose SIMULATED adapter becomes a
// new candidate that must enter shadow (and, in the full demo, be promoted).
func (r *runner) train(ctx context.Context) ([]Training, error) {
	routes := []string{BadTask, RegressedTask}
	r.p.event("phase 3: retraining where the gate failed %v: captured sim-large answers → dataset → job (exec backend, SIMULATED recipe) → new candidate → shadow", routes)
	var out []Training
	for _, route := range routes {
		job, trigger, err := r.jobFor(ctx, route)
		if err != nil {
			return out, err
		}
		r.p.event("%-9s job %s (%s at +%s) on dataset %s", route, job.ID, trigger,
			job.Created.Sub(r.start).Round(time.Second), job.DatasetID)
		if job, err = r.waitJob(ctx, job); err != nil {
			return out, err
		}
		r.p.event("%-9s job %s succeeded: %d steps, final loss %.3f, adapter %s", route, job.ID, job.Step, job.Loss, artifactPath(job))
		out = append(out, Training{Route: route, Job: job, Trigger: trigger, Version: trainer.Version(&job)})
	}
	err := r.waitFor(ctx, "the retrained candidates", r.t.phaseTimeout, func(s snapshot) bool {
		done := true
		for i := range out {
			done = r.trained(s, &out[i]) && done
		}
		return done
	})
	return out, err
}

// jobFor is the route's newest training job, waiting a little for the
// automatic one; without it, the demo asks for one.
func (r *runner) jobFor(ctx context.Context, route string) (trainer.Job, string, error) {
	deadline := time.Now().Add(5 * time.Second)
	for {
		jobs, err := r.admin.jobs(ctx, route)
		if err != nil {
			return trainer.Job{}, "", err
		}
		if len(jobs) > 0 {
			return jobs[0], "queued automatically, trigger " + jobs[0].Reason, nil
		}
		if time.Now().After(deadline) {
			j, err := r.admin.startJob(ctx, route)
			return j, "asked for by the demo: no automatic job came", err
		}
		time.Sleep(300 * time.Millisecond)
	}
}

func (r *runner) waitJob(ctx context.Context, job trainer.Job) (trainer.Job, error) {
	deadline := time.Now().Add(r.t.phaseTimeout)
	var err error
	for job.State != "succeeded" {
		if job.State == "failed" || job.State == "cancelled" || time.Now().After(deadline) {
			return job, fmt.Errorf("demo: training job %s on %s ended %s: %s", job.ID, job.Route, job.State, job.Error)
		}
		time.Sleep(300 * time.Millisecond)
		if job, err = r.admin.job(ctx, job.ID); err != nil {
			return job, err
		}
	}
	return job, nil
}

// trained finds the job's candidate on its route and reports whether it
// got as far as this run wants.
func (r *runner) trained(s snapshot, tn *Training) bool {
	rs, err := s.route(tn.Route)
	if err != nil {
		return false
	}
	for _, c := range rs.state.Candidates {
		if c.Version != tn.Version {
			continue
		}
		tn.Model, tn.Stage = c.Model, label(c)
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
