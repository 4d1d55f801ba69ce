package trainer

import (
	"context"
	"errors"
)

// Backend trains one job. Run blocks until the training finished, failed or
// ctx was cancelled; it reports progress through r.Report and must resume
// from r.ResumeFrom (exec: a checkpoint directory; openai: the provider's job
// id) when it is set.
type Backend interface {
	Run(ctx context.Context, r *Run) (*Artifact, error)
}

// Run is one attempt at a job.
type Run struct {
	Job       *Job
	Dataset   *Dataset
	OutputDir string // per job, kept across attempts
	// ResumeFrom is the newest checkpoint the job recorded ("" on a fresh start).
	ResumeFrom string
	Report     Reporter
}

// Reporter is how a backend writes into the job. Every method fails with
// ErrLeaseLost once another worker owns the job; the backend must stop then.
type Reporter interface {
	Progress(ctx context.Context, u Update) error
	Checkpoint(ctx context.Context, ref string) error
	Log(ctx context.Context, stream, line string) error
}

// ErrCancelled is the cause of a run's context when the job was cancelled.
var ErrCancelled = errors.New("job cancelled")
