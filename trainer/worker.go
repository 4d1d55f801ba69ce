package trainer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"
)

// Worker claims jobs from a Queue and runs them on their backend, holding a
// lease it renews every LeaseTTL/3. Several workers (in-process or
// `fledgling trainer worker` on other machines) may share one store.
type Worker struct {
	ID       string
	Jobs     *Jobs
	Queue    Queue
	Backends map[string]Backend
	Sink     CandidateSink
	Naming   Naming
	WorkDir  string
	LeaseTTL time.Duration
	Log      *slog.Logger
	Metrics  *Metrics
}

// Run serves jobs until ctx ends. A job running at shutdown is released
// (not finished), so another worker resumes it from its checkpoint.
func (w *Worker) Run(ctx context.Context) error {
	for {
		id, done, err := w.Queue.Next(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			w.log().Warn("trainer: job queue", "err", err)
			sleepCtx(ctx, time.Second)
			continue
		}
		done(w.RunJob(ctx, id))
	}
}

func (w *Worker) log() *slog.Logger {
	if w.Log == nil {
		return slog.Default()
	}
	return w.Log
}

func sleepCtx(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// RunJob claims and runs one job. It reports whether the delivery is done
// with (false: another worker should see it again, e.g. it is still leased).
func (w *Worker) RunJob(ctx context.Context, id string) (handled bool) {
	lease, err := w.Jobs.Claim(ctx, id, w.ID, w.LeaseTTL)
	switch {
	case errors.Is(err, ErrJobFinished), errors.Is(err, ErrNotFound):
		return true
	case err != nil:
		return false
	}
	defer func() {
		if p := recover(); p != nil {
			w.log().Error("trainer: job panicked", "job", id, "panic", p, "stack", string(debug.Stack()))
			w.finish(context.WithoutCancel(ctx), lease, Failed, nil, fmt.Sprintf("panic: %v", p))
			handled = true
		}
	}()
	w.Metrics.claimed(lease.Attempt)
	w.log().Info("trainer: job claimed", "job", id, "worker", w.ID, "attempt", lease.Attempt, "fence", lease.Fence)
	return w.execute(ctx, lease)
}

// execute runs the claimed job with its heartbeat going from the start (so
// a slow preparation cannot let the lease lapse) and settles its state.
func (w *Worker) execute(ctx context.Context, lease *Lease) bool {
	runCtx, cancel := context.WithCancelCause(ctx)
	hb := w.heartbeat(runCtx, lease, cancel)
	job, ds, art, runErr := w.run(runCtx, lease)
	cause := context.Cause(runCtx)
	cancel(nil)
	<-hb
	bg := context.WithoutCancel(ctx)
	switch {
	case errors.Is(cause, ErrLeaseLost) || errors.Is(runErr, ErrLeaseLost):
		w.Metrics.leaseLost()
		w.log().Warn("trainer: lease lost; another worker owns the job", "job", lease.JobID)
		return false
	case errors.Is(cause, ErrCancelled):
		w.finish(bg, lease, Cancelled, nil, "cancelled on request")
		return true
	case ctx.Err() != nil:
		lease.Release(bg)
		return false
	case runErr != nil:
		lease.Log(bg, "worker", "job failed: "+runErr.Error())
		w.finish(bg, lease, Failed, nil, runErr.Error())
		return true
	}
	return w.succeed(bg, lease, job, ds, art)
}

func (w *Worker) run(ctx context.Context, lease *Lease) (*Job, *Dataset, *Artifact, error) {
	job, ds, backend, outDir, err := w.prepare(ctx, lease)
	if err != nil {
		return nil, nil, nil, err
	}
	art, err := backend.Run(ctx, &Run{Job: job, Dataset: ds, OutputDir: outDir, ResumeFrom: job.Checkpoint, Report: lease})
	return job, ds, art, err
}

func (w *Worker) prepare(ctx context.Context, lease *Lease) (*Job, *Dataset, Backend, string, error) {
	job, err := w.Jobs.Get(ctx, lease.JobID)
	if err != nil {
		return nil, nil, nil, "", err
	}
	var ds *Dataset
	if needsDataset(job) {
		ds, err = GetDataset(ctx, w.Jobs.DB, job.DatasetID)
		if err == nil {
			err = EnsureLocal(ctx, w.Jobs.DB, ds, w.WorkDir)
		}
		if err != nil {
			return nil, nil, nil, "", fmt.Errorf("dataset: %w", err)
		}
	}
	backend, ok := w.Backends[job.Backend]
	if !ok {
		return nil, nil, nil, "", fmt.Errorf("backend %q is not configured on worker %s", job.Backend, w.ID)
	}
	outDir := job.OutputDir
	if outDir == "" {
		outDir = filepath.Join(w.WorkDir, "jobs", job.ID)
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return nil, nil, nil, "", fmt.Errorf("output dir: %w", err)
	}
	if err := lease.SetOutputDir(ctx, outDir); err != nil {
		return nil, nil, nil, "", err
	}
	lease.Log(ctx, "worker", fmt.Sprintf("attempt %d on worker %s (fence %d), resume from %q", lease.Attempt, w.ID, lease.Fence, job.Checkpoint))
	return job, ds, backend, outDir, nil
}

// heartbeat renews the lease until ctx ends; it cancels the run with
// ErrCancelled when a cancel was requested, and with ErrLeaseLost when
// another worker owns the job or when renewals kept failing for two thirds
// of the TTL: the lease is about to lapse, so the run stops itself before
// another worker may claim the job (self-fencing while cut off from the store).
func (w *Worker) heartbeat(ctx context.Context, lease *Lease, cancel context.CancelCauseFunc) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(lease.TTL / 3)
		defer t.Stop()
		lastOK := time.Now()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			cancelReq, err := lease.Heartbeat(ctx)
			switch {
			case errors.Is(err, ErrLeaseLost):
				cancel(ErrLeaseLost)
				return
			case err != nil && ctx.Err() == nil:
				w.log().Warn("trainer: heartbeat", "job", lease.JobID, "err", err)
				if time.Since(lastOK) >= lease.TTL*2/3 {
					cancel(fmt.Errorf("cannot renew the lease for %s: %w", time.Since(lastOK).Round(time.Millisecond), ErrLeaseLost))
					return
				}
			case err == nil && cancelReq:
				cancel(ErrCancelled)
				return
			case err == nil:
				lastOK = time.Now()
			}
		}
	}()
	return done
}

func (w *Worker) succeed(ctx context.Context, lease *Lease, job *Job, ds *Dataset, art *Artifact) bool {
	if art == nil {
		w.finish(ctx, lease, Failed, nil, "backend finished without an artifact")
		return true
	}
	if art.Kind == ArtifactLearnedRouter { // a router, not a model: nothing to register
		lease.Log(ctx, "worker", fmt.Sprintf("router %s (threshold %.4g) for route %s; set learned_routing.models.%s to use it", art.Path, art.Threshold, job.Route, job.Route))
		return w.finish(ctx, lease, Succeeded, art, "") == nil
	}
	c := w.Naming.Candidate(job, ds, art)
	if w.Sink != nil {
		if err := w.Sink.AddCandidate(ctx, c); err != nil {
			w.finish(ctx, lease, Failed, art, "register candidate: "+err.Error())
			return true
		}
	}
	lease.Log(ctx, "worker", fmt.Sprintf("candidate %s %s registered on route %s", c.PublicModel, c.Version, c.Route))
	if err := w.finish(ctx, lease, Succeeded, art, ""); err != nil {
		w.log().Warn("trainer: finish job", "job", job.ID, "err", err)
		return false
	}
	return true
}

// finish ends the job and counts it.
func (w *Worker) finish(ctx context.Context, lease *Lease, s State, art *Artifact, msg string) error {
	err := lease.Finish(ctx, s, art, msg)
	if err == nil {
		w.Metrics.jobFinished(lease.Route, s)
	}
	return err
}
