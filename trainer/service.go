package trainer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"
)

// Trigger errors.
var (
	// ErrJobActive: the route already has a queued or running job.
	ErrJobActive = errors.New("a training job is already queued or running on this route")
	// ErrCooldown: an automatic job ran on this route too recently.
	ErrCooldown = errors.New("route is in its training cooldown")
	// ErrNotEnough: fewer new examples than trainer.min_new_examples.
	ErrNotEnough = errors.New("not enough new examples")
)

// Trigger reasons recorded on jobs.
const (
	ReasonNewExamples = "new_examples"
	ReasonGateFailed  = "gate_failed"
	ReasonManual      = "manual"
)

// Service is the trainer as the app uses it: it builds datasets and queues
// jobs on triggers (enough new examples, a failed gate, a manual request),
// with a cooldown between automatic jobs of a route.
type Service struct {
	Builder        *Builder
	Jobs           *Jobs
	Queue          Queue
	Registry       *CandidateRegistry
	Backend        string // backend name for new jobs
	BaseModel      string
	MinNewExamples int
	Cooldown       time.Duration
	Log            *slog.Logger
	Metrics        *Metrics
	// RawCount, when set, counts a route's captures in [from, to) cheaply;
	// Check skips the full scan while it is below MinNewExamples.
	RawCount func(ctx context.Context, route string, from, to time.Time) (int64, error)

	mu sync.Mutex // one trigger decision at a time
}

func (s *Service) log() *slog.Logger {
	if s.Log == nil {
		return slog.Default()
	}
	return s.Log
}

// Train builds a new dataset for route and queues a job on it. Manual
// requests skip the cooldown; no request starts a second job on a route.
func (s *Service) Train(ctx context.Context, route, reason string) (*Job, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.admissible(ctx, route, reason); err != nil {
		return nil, err
	}
	ds, err := s.Builder.Build(ctx, route, nil)
	if err != nil {
		return nil, err
	}
	return s.enqueue(ctx, ds, reason)
}

// TrainDataset queues a manual job on an existing dataset version.
func (s *Service) TrainDataset(ctx context.Context, datasetID string) (*Job, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ds, err := GetDataset(ctx, s.Jobs.DB, datasetID)
	if err != nil {
		return nil, err
	}
	if err := s.admissible(ctx, ds.Route, ReasonManual); err != nil {
		return nil, err
	}
	return s.enqueue(ctx, ds, ReasonManual)
}

// GateFailed is called when a candidate of route failed its promotion gate:
// it retrains on fresh data (the failing pairs' prompts are in the captures),
// subject to the cooldown.
func (s *Service) GateFailed(ctx context.Context, route string) (*Job, error) {
	return s.Train(ctx, route, ReasonGateFailed)
}

// Check queues a job when the route has at least MinNewExamples usable
// captures since its last dataset's window ended.
func (s *Service) Check(ctx context.Context, route string) (*Job, error) {
	last, err := s.Builder.LastDataset(ctx, route)
	if err != nil {
		return nil, err
	}
	since := time.Unix(0, 0)
	if last != nil {
		since = last.Manifest.Window.To
	}
	if s.RawCount != nil {
		raw, err := s.RawCount(ctx, route, since, s.Builder.now())
		if err == nil && raw < int64(s.MinNewExamples) {
			return nil, fmt.Errorf("route %s: %d captures of %d: %w", route, raw, s.MinNewExamples, ErrNotEnough)
		}
	}
	n, err := s.Builder.CountNew(ctx, route, since)
	if err != nil {
		return nil, err
	}
	if n < s.MinNewExamples {
		return nil, fmt.Errorf("route %s: %d of %d: %w", route, n, s.MinNewExamples, ErrNotEnough)
	}
	return s.Train(ctx, route, ReasonNewExamples)
}

func (s *Service) admissible(ctx context.Context, route, reason string) error {
	active, err := s.Jobs.Active(ctx, route)
	if err != nil {
		return err
	}
	if active != nil {
		return fmt.Errorf("route %s (job %s): %w", route, active.ID, ErrJobActive)
	}
	if reason == ReasonManual || s.Cooldown <= 0 {
		return nil
	}
	last, err := s.Jobs.LastCreated(ctx, route, ReasonManual)
	if err != nil {
		return err
	}
	if !last.IsZero() && s.Jobs.now().Sub(last) < s.Cooldown {
		return fmt.Errorf("route %s: last automatic job %s ago: %w", route, s.Jobs.now().Sub(last).Round(time.Second), ErrCooldown)
	}
	return nil
}

func (s *Service) enqueue(ctx context.Context, ds *Dataset, reason string) (*Job, error) {
	job, err := s.Jobs.Enqueue(ctx, NewJob{Route: ds.Route, DatasetID: ds.ID, Backend: s.Backend, BaseModel: s.BaseModel, Reason: reason})
	if err != nil {
		return nil, err
	}
	if s.Queue != nil {
		if err := s.Queue.Publish(ctx, job.ID); err != nil {
			s.log().Warn("trainer: publish job (workers will find it in the table)", "job", job.ID, "err", err)
		}
	}
	s.Metrics.jobQueued(ds.Route, reason)
	s.log().Info("trainer: job queued", "job", job.ID, "route", ds.Route, "dataset", ds.ID, "reason", reason)
	return job, nil
}

// Loop runs Check on every route each interval until ctx ends.
func (s *Service) Loop(ctx context.Context, interval time.Duration, routes func() []string) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		for _, r := range routes() {
			s.checkSafely(ctx, r)
		}
	}
}

func (s *Service) checkSafely(ctx context.Context, route string) {
	defer func() {
		if p := recover(); p != nil {
			s.log().Error("trainer: trigger panicked", "route", route, "panic", p, "stack", string(debug.Stack()))
		}
	}()
	job, err := s.Check(ctx, route)
	switch {
	case err == nil:
		s.log().Info("trainer: triggered by new examples", "route", route, "job", job.ID)
	case errors.Is(err, ErrNotEnough), errors.Is(err, ErrJobActive), errors.Is(err, ErrCooldown), errors.Is(err, ErrNoExamples):
	default:
		s.log().Warn("trainer: trigger", "route", route, "err", err)
	}
}
