package trainer

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/fledgling-ai/fledgling/internal/store"
)

// State of a job.
type State string

// Job states. A job moves queued → running → succeeded|failed|cancelled; a
// running job whose lease expires is claimed again (still "running").
const (
	Queued    State = "queued"
	Running   State = "running"
	Succeeded State = "succeeded"
	Failed    State = "failed"
	Cancelled State = "cancelled"
)

// Terminal reports whether no more work happens on a job in state s.
func (s State) Terminal() bool { return s == Succeeded || s == Failed || s == Cancelled }

// Errors of the job queue.
var (
	// ErrLeaseLost: another worker holds the job now (our fence is stale).
	ErrLeaseLost = errors.New("job lease lost")
	// ErrJobBusy: the job is leased by a live worker.
	ErrJobBusy = errors.New("job is running on another worker")
	// ErrJobFinished: the job is in a terminal state.
	ErrJobFinished = errors.New("job already finished")
	// ErrNotFound: no such job.
	ErrNotFound = errors.New("not found")
)

// Job is one training run of a dataset on a backend.
type Job struct {
	ID              string    `json:"id"`
	Route           string    `json:"route"`
	DatasetID       string    `json:"dataset_id"`
	Backend         string    `json:"backend"`
	BaseModel       string    `json:"base_model"`
	Reason          string    `json:"reason"` // what triggered it: new_examples, gate_failed, manual
	State           State     `json:"state"`
	Created         time.Time `json:"created"`
	Updated         time.Time `json:"updated"`
	Started         time.Time `json:"started,omitzero"`
	Finished        time.Time `json:"finished,omitzero"`
	Worker          string    `json:"worker,omitempty"`
	LeaseUntil      time.Time `json:"lease_until,omitzero"`
	Fence           int64     `json:"fence"`
	Attempts        int       `json:"attempts"`
	CancelRequested bool      `json:"cancel_requested"`
	Step            int64     `json:"step"`
	TotalSteps      int64     `json:"total_steps"`
	Loss            float64   `json:"loss"`
	ETASeconds      float64   `json:"eta_s"`
	Checkpoint      string    `json:"checkpoint,omitempty"`
	OutputDir       string    `json:"output_dir,omitempty"`
	Artifact        *Artifact `json:"artifact,omitempty"`
	Error           string    `json:"error,omitempty"`
}

// Artifact is what a successful job produced.
type Artifact struct {
	// Kind is "lora_adapter" (exec) or "fine_tuned_model" (openai).
	Kind        string `json:"kind"`
	AdapterPath string `json:"adapter_path,omitempty"`
	Model       string `json:"model,omitempty"` // fine-tuned model id
	BaseModel   string `json:"base_model,omitempty"`
	Manifest    string `json:"manifest,omitempty"`
	// Path and Threshold describe a learned router (Kind "learned_router"):
	// the .onnx file and the score cut its report chose.
	Path      string  `json:"path,omitempty"`
	Threshold float64 `json:"threshold,omitempty"`
	Candidate string  `json:"candidate,omitempty"` // model@version it routes to
}

// NewJob is what Enqueue needs.
type NewJob struct {
	Route, DatasetID, Backend, BaseModel, Reason string
}

// Jobs is the durable job table.
type Jobs struct {
	DB  *store.DB
	Now func() time.Time
}

func (j *Jobs) now() time.Time {
	if j.Now != nil {
		return j.Now()
	}
	return time.Now()
}

func newID(prefix string) string {
	var b [6]byte
	rand.Read(b[:])
	return prefix + time.Now().UTC().Format("20060102t150405") + "-" + hex.EncodeToString(b[:])
}

// Enqueue stores a new queued job.
func (j *Jobs) Enqueue(ctx context.Context, n NewJob) (*Job, error) {
	id, now := newID("job-"), ms(j.now())
	_, err := j.DB.ExecContext(ctx, `INSERT INTO trainer_jobs (id, route, dataset_id, backend, base_model, reason, state, created_ms, updated_ms)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$8)`, id, n.Route, n.DatasetID, n.Backend, n.BaseModel, n.Reason, string(Queued), now)
	if err != nil {
		return nil, fmt.Errorf("enqueue job: %w", err)
	}
	return j.Get(ctx, id)
}

const jobColumns = `id, route, dataset_id, backend, base_model, reason, state, created_ms, updated_ms, started_ms, finished_ms,
	worker, lease_until_ms, fence, attempts, cancel_requested, step, total_steps, loss, eta_s, checkpoint, output_dir, artifact, error`

func scanJob(sc interface{ Scan(...any) error }) (*Job, error) {
	var j Job
	var state, art string
	var created, updated, started, finished, lease int64
	var cancel int
	err := sc.Scan(&j.ID, &j.Route, &j.DatasetID, &j.Backend, &j.BaseModel, &j.Reason, &state, &created, &updated, &started, &finished,
		&j.Worker, &lease, &j.Fence, &j.Attempts, &cancel, &j.Step, &j.TotalSteps, &j.Loss, &j.ETASeconds, &j.Checkpoint, &j.OutputDir, &art, &j.Error)
	if err != nil {
		return nil, err
	}
	j.State, j.CancelRequested = State(state), cancel != 0
	j.Created, j.Updated, j.Started, j.Finished, j.LeaseUntil = fromMS(created), fromMS(updated), fromMS(started), fromMS(finished), fromMS(lease)
	if art != "" {
		j.Artifact = &Artifact{}
		if err := json.Unmarshal([]byte(art), j.Artifact); err != nil {
			return nil, fmt.Errorf("job %s artifact: %w", j.ID, err)
		}
	}
	return &j, nil
}

// Get returns one job.
func (j *Jobs) Get(ctx context.Context, id string) (*Job, error) {
	job, err := scanJob(j.DB.QueryRowContext(ctx, `SELECT `+jobColumns+` FROM trainer_jobs WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("job %q: %w", id, ErrNotFound)
	}
	return job, err
}

// List returns jobs, newest first; route "" lists every route.
func (j *Jobs) List(ctx context.Context, route string, limit int) ([]*Job, error) {
	if limit <= 0 {
		limit = 100
	}
	q, args := `SELECT `+jobColumns+` FROM trainer_jobs ORDER BY created_ms DESC, id DESC LIMIT $1`, []any{limit}
	if route != "" {
		q, args = `SELECT `+jobColumns+` FROM trainer_jobs WHERE route = $2 ORDER BY created_ms DESC, id DESC LIMIT $1`, []any{limit, route}
	}
	rows, err := j.DB.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	defer rows.Close()
	var out []*Job
	for rows.Next() {
		job, err := scanJob(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, job)
	}
	return out, rows.Err()
}

// Active returns the route's queued or running job, or nil.
func (j *Jobs) Active(ctx context.Context, route string) (*Job, error) {
	job, err := scanJob(j.DB.QueryRowContext(ctx, `SELECT `+jobColumns+` FROM trainer_jobs
		WHERE route = $1 AND state IN ('queued', 'running') ORDER BY created_ms LIMIT 1`, route))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return job, err
}

// LastCreated returns when the route's newest job not triggered by
// excludeReason was created (zero if none).
func (j *Jobs) LastCreated(ctx context.Context, route, excludeReason string) (time.Time, error) {
	var v sql.NullInt64
	err := j.DB.QueryRowContext(ctx, `SELECT MAX(created_ms) FROM trainer_jobs WHERE route = $1 AND reason <> $2`, route, excludeReason).Scan(&v)
	if err != nil || !v.Valid {
		return time.Time{}, err
	}
	return fromMS(v.Int64), nil
}
