package trainer

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Lease is a worker's hold on a running job. Every write it makes carries
// its fence token; once another worker has claimed the job (after this
// lease expired) the token is stale and every write fails with ErrLeaseLost,
// so a worker that was paused or partitioned cannot overwrite its successor.
type Lease struct {
	jobs    *Jobs
	JobID   string
	Route   string
	Worker  string
	Fence   int64
	Attempt int
	TTL     time.Duration
}

// Claimable lists jobs a worker may claim now: queued ones and running ones
// whose lease expired, oldest first. Running jobs with a pending cancel whose
// lease expired are marked cancelled on the way.
func (j *Jobs) Claimable(ctx context.Context, limit int) ([]string, error) {
	now := ms(j.now())
	if _, err := j.DB.ExecContext(ctx, `UPDATE trainer_jobs SET state = 'cancelled', finished_ms = $1, updated_ms = $1
		WHERE state = 'running' AND cancel_requested = 1 AND lease_until_ms < $1`, now); err != nil {
		return nil, fmt.Errorf("expire cancelled jobs: %w", err)
	}
	rows, err := j.DB.QueryContext(ctx, `SELECT id FROM trainer_jobs
		WHERE state = 'queued' OR (state = 'running' AND lease_until_ms < $1) ORDER BY created_ms LIMIT $2`, now, limit)
	if err != nil {
		return nil, fmt.Errorf("claimable jobs: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// Claim takes the job for worker if it is queued or its lease expired. The
// single conditional UPDATE is the arbiter between racing workers: at most
// one sees its row change. The fence is incremented on every claim.
func (j *Jobs) Claim(ctx context.Context, id, worker string, ttl time.Duration) (*Lease, error) {
	now := j.now()
	l := &Lease{jobs: j, JobID: id, Worker: worker, TTL: ttl}
	err := j.DB.QueryRowContext(ctx, `UPDATE trainer_jobs SET state = 'running', worker = $2, lease_until_ms = $3,
		fence = fence + 1, attempts = attempts + 1, updated_ms = $4,
		started_ms = CASE WHEN started_ms = 0 THEN $4 ELSE started_ms END
		WHERE id = $1 AND cancel_requested = 0 AND (state = 'queued' OR (state = 'running' AND lease_until_ms < $4))
		RETURNING fence, attempts, route`, id, worker, ms(now.Add(ttl)), ms(now)).Scan(&l.Fence, &l.Attempt, &l.Route)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, j.whyNotClaimable(ctx, id)
	}
	if err != nil {
		return nil, fmt.Errorf("claim job %s: %w", id, err)
	}
	return l, nil
}

func (j *Jobs) whyNotClaimable(ctx context.Context, id string) error {
	job, err := j.Get(ctx, id)
	switch {
	case err != nil:
		return err
	case job.State.Terminal():
		return fmt.Errorf("job %s is %s: %w", id, job.State, ErrJobFinished)
	case job.CancelRequested:
		return fmt.Errorf("job %s: cancel requested: %w", id, ErrJobFinished)
	}
	return fmt.Errorf("job %s (worker %s): %w", id, job.Worker, ErrJobBusy)
}

// fenced runs an UPDATE of this lease's job; no row changed means the lease is lost.
func (l *Lease) fenced(ctx context.Context, set string, args ...any) error {
	args = append([]any{l.JobID, l.Fence}, args...)
	res, err := l.jobs.DB.ExecContext(ctx, `UPDATE trainer_jobs SET `+set+` WHERE id = $1 AND fence = $2 AND state = 'running'`, args...)
	if err != nil {
		return fmt.Errorf("update job %s: %w", l.JobID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrLeaseLost
	}
	return nil
}

// Heartbeat extends the lease and reports whether a cancel was requested.
func (l *Lease) Heartbeat(ctx context.Context) (cancelRequested bool, err error) {
	now := l.jobs.now()
	if err := l.fenced(ctx, `lease_until_ms = $3, updated_ms = $4`, ms(now.Add(l.TTL)), ms(now)); err != nil {
		return false, err
	}
	var c int
	err = l.jobs.DB.QueryRowContext(ctx, `SELECT cancel_requested FROM trainer_jobs WHERE id = $1`, l.JobID).Scan(&c)
	return c != 0, err
}

// Update is a progress report from a backend.
type Update struct {
	Step       int64   `json:"step"`
	TotalSteps int64   `json:"total_steps,omitempty"`
	Loss       float64 `json:"loss,omitempty"`
	ETASeconds float64 `json:"eta_s,omitempty"`
}

// Progress records step, loss and eta.
func (l *Lease) Progress(ctx context.Context, u Update) error {
	return l.fenced(ctx, `step = $3, total_steps = CASE WHEN $4 > 0 THEN $4 ELSE total_steps END, loss = $5, eta_s = $6, updated_ms = $7`,
		u.Step, u.TotalSteps, u.Loss, u.ETASeconds, ms(l.jobs.now()))
}

// Checkpoint records the newest resumable state (a checkpoint directory, or
// the provider's job id for remote backends).
func (l *Lease) Checkpoint(ctx context.Context, ref string) error {
	return l.fenced(ctx, `checkpoint = $3, updated_ms = $4`, ref, ms(l.jobs.now()))
}

// SetOutputDir records where the job's files are.
func (l *Lease) SetOutputDir(ctx context.Context, dir string) error {
	return l.fenced(ctx, `output_dir = $3`, dir)
}

// Log appends one line to the job's log, unless the lease is lost.
func (l *Lease) Log(ctx context.Context, stream, line string) error {
	res, err := l.jobs.DB.ExecContext(ctx, `INSERT INTO trainer_job_logs (job_id, time_ms, attempt, stream, line)
		SELECT $1, CAST($3 AS BIGINT), CAST($4 AS INTEGER), CAST($5 AS TEXT), CAST($6 AS TEXT)
		WHERE EXISTS (SELECT 1 FROM trainer_jobs WHERE id = $1 AND fence = CAST($2 AS BIGINT))`,
		l.JobID, l.Fence, ms(l.jobs.now()), l.Attempt, stream, line)
	if err != nil {
		return fmt.Errorf("log job %s: %w", l.JobID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrLeaseLost
	}
	return nil
}

// Finish moves the job to a terminal state.
func (l *Lease) Finish(ctx context.Context, s State, art *Artifact, errMsg string) error {
	a := ""
	if art != nil {
		b, _ := json.Marshal(art)
		a = string(b)
	}
	now := ms(l.jobs.now())
	return l.fenced(ctx, `state = $3, artifact = $4, error = $5, finished_ms = $6, updated_ms = $6, lease_until_ms = 0`, string(s), a, errMsg, now)
}

// Release gives the job up without finishing it (worker shutdown): it stays
// running with an expired lease, so the next worker claims it at once and
// resumes from its checkpoint.
func (l *Lease) Release(ctx context.Context) error {
	return l.fenced(ctx, `lease_until_ms = 0, updated_ms = $3`, ms(l.jobs.now()))
}

// Cancel cancels a queued job at once, or asks the running job's worker to
// stop (it sees the request at its next heartbeat).
func (j *Jobs) Cancel(ctx context.Context, id string) (*Job, error) {
	now := ms(j.now())
	if _, err := j.DB.ExecContext(ctx, `UPDATE trainer_jobs SET state = 'cancelled', cancel_requested = 1, finished_ms = $2, updated_ms = $2
		WHERE id = $1 AND state = 'queued'`, id, now); err != nil {
		return nil, fmt.Errorf("cancel job: %w", err)
	}
	if _, err := j.DB.ExecContext(ctx, `UPDATE trainer_jobs SET cancel_requested = 1, updated_ms = $2
		WHERE id = $1 AND state = 'running'`, id, now); err != nil {
		return nil, fmt.Errorf("cancel job: %w", err)
	}
	job, err := j.Get(ctx, id)
	if err == nil && job.State.Terminal() && job.State != Cancelled {
		return job, fmt.Errorf("job %s is %s: %w", id, job.State, ErrJobFinished)
	}
	return job, err
}

// LogLine is one line of a job's log.
type LogLine struct {
	Seq     int64     `json:"seq"`
	Time    time.Time `json:"time"`
	Attempt int       `json:"attempt"`
	Stream  string    `json:"stream"`
	Line    string    `json:"line"`
}

// Logs returns up to limit log lines after seq.
func (j *Jobs) Logs(ctx context.Context, id string, after int64, limit int) ([]LogLine, error) {
	if limit <= 0 {
		limit = 1000
	}
	rows, err := j.DB.QueryContext(ctx, `SELECT seq, time_ms, attempt, stream, line FROM trainer_job_logs
		WHERE job_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`, id, after, limit)
	if err != nil {
		return nil, fmt.Errorf("job logs: %w", err)
	}
	defer rows.Close()
	var out []LogLine
	for rows.Next() {
		var l LogLine
		var t int64
		if err := rows.Scan(&l.Seq, &t, &l.Attempt, &l.Stream, &l.Line); err != nil {
			return nil, err
		}
		l.Time = fromMS(t)
		out = append(out, l)
	}
	return out, rows.Err()
}
