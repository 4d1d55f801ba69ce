package trainer

import (
	"context"
	"time"
)

// Queue hands job ids to workers. The job table stays the source of truth:
// a delivered id is only a hint, and Jobs.Claim decides who runs it.
type Queue interface {
	// Publish announces a queued job.
	Publish(ctx context.Context, jobID string) error
	// Next blocks until a job may be claimable. done(handled) must be called:
	// handled=false leaves the delivery for another worker to retry.
	Next(ctx context.Context) (jobID string, done func(handled bool), err error)
}

// SQLQueue polls the job table; it needs nothing but the store, so a single
// process (or several sharing PostgreSQL) works without Redis.
type SQLQueue struct {
	Jobs *Jobs
	// Poll is the interval between scans when nothing is claimable. Default 1s.
	Poll time.Duration
}

// Publish is a no-op: the job row is the announcement.
func (q *SQLQueue) Publish(context.Context, string) error { return nil }

// Next returns the oldest claimable job.
func (q *SQLQueue) Next(ctx context.Context) (string, func(bool), error) {
	poll := q.Poll
	if poll <= 0 {
		poll = time.Second
	}
	for {
		ids, err := q.Jobs.Claimable(ctx, 1)
		if err == nil && len(ids) > 0 {
			return ids[0], func(bool) {}, nil
		}
		select {
		case <-ctx.Done():
			return "", nil, ctx.Err()
		case <-time.After(poll):
		}
	}
}
