package shadow

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fledgling-ai/fledgling/internal/capture"
	"github.com/fledgling-ai/fledgling/internal/openai"
	"github.com/fledgling-ai/fledgling/router"
	"github.com/fledgling-ai/fledgling/shadow/eval"
)

// Options size the tee. Zero values take the config defaults.
type Options struct {
	QueueSize   int           // per model; default 1024
	Concurrency int           // workers per model; default 4
	Timeout     time.Duration // one shadow call; default 60s
	MaxTasks    int           // stratified-sampling task keys tracked; default 100000
	CaseFold    bool          // exact_match ignores case
}

func (o *Options) setDefaults() {
	if o.QueueSize <= 0 {
		o.QueueSize = 1024
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 4
	}
	if o.Timeout <= 0 {
		o.Timeout = 60 * time.Second
	}
	if o.MaxTasks <= 0 {
		o.MaxTasks = 100000
	}
}

// Deps are the tee's collaborators. Caller and Store are required.
type Deps struct {
	Caller   Caller
	Store    *Store
	Pricer   Pricer   // optional: costs the shadow side
	Redactor Redactor // optional: applied to stored outputs
	Judge    *Judge   // optional: llm_judge
	Metrics  *Metrics // optional
	Log      *slog.Logger
}

// Tee implements gateway.Tee: it samples completed calls and replays them to
// shadow models through bounded per-model queues.
type Tee struct {
	opts    Options
	deps    Deps
	sampler *Sampler
	evals   sync.Map // name → eval.Evaluator
	judge   atomic.Pointer[Judge]

	mu     sync.Mutex
	queues map[string]*queue
	closed bool

	stop   context.Context // cancelled when a drain runs out of time
	cancel context.CancelFunc
}

// NewTee returns a tee; queues are created per model on first use.
func NewTee(o Options, d Deps) *Tee {
	o.setDefaults()
	if d.Metrics == nil {
		d.Metrics = NewMetrics(nil)
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	t := &Tee{opts: o, deps: d, sampler: NewSampler(o.MaxTasks), queues: map[string]*queue{}}
	t.stop, t.cancel = context.WithCancel(context.Background())
	t.judge.Store(d.Judge)
	return t
}

// SetJudge replaces the llm_judge (nil: none), e.g. after a config reload.
func (t *Tee) SetJudge(j *Judge) { t.judge.Store(j) }

// job is one sampled shadow call with everything it needs copied out of
// the record, so the gateway may reuse nothing of ours.
type job struct {
	ctx      context.Context
	rec      *capture.Record
	route    string
	primary  string
	evals    []string
	shadow   router.Shadow
	model    string // candidate public name
	version  string // candidate version
	callee   string // the model the shadow call goes to
	enqueued time.Time
}

// Duplicate implements gateway.Tee. It only samples and enqueues; it never
// blocks and never fails the caller.
func (t *Tee) Duplicate(ctx context.Context, rec *capture.Record, d router.Decision) {
	if rec == nil || len(d.Shadows) == 0 || len(rec.Request) == 0 || (rec.Kind != capture.KindChat && rec.Kind != "") || clientAborted(rec) {
		return
	}
	for _, sh := range d.Shadows {
		if !t.sampler.Take(&d, sh, rec.TaskKey) {
			continue
		}
		j := &job{ctx: context.WithoutCancel(ctx), rec: rec, route: d.Route, primary: d.Primary, evals: d.Evaluators,
			shadow: sh, callee: sh.Model, enqueued: time.Now()}
		j.model, j.version = candidateOf(rec, &d, sh)
		if j.callee == "" {
			j.callee = d.Primary
		}
		t.deps.Metrics.sampled.WithLabelValues(d.Route, j.model).Inc()
		if ok, reason := t.queueFor(j.callee).offer(j); !ok {
			t.deps.Metrics.dropped.WithLabelValues(j.callee, reason).Inc()
		}
	}
}

// clientAborted: the client went away. That is no model's error and leaves
// no clean reference, so the call is not shadowed at all.
func clientAborted(rec *capture.Record) bool {
	return rec.ErrorClass == "canceled" || (rec.Truncated && rec.ErrorClass == "")
}

// candidateOf names the candidate of a pair. Forward: the shadow. Reverse:
// the candidate target that served (the primary is the shadow).
func candidateOf(rec *capture.Record, d *router.Decision, sh router.Shadow) (model, version string) {
	if !sh.Reverse {
		return sh.Model, sh.Version
	}
	for _, tg := range d.Targets {
		if tg.Candidate {
			model, version = tg.Model, tg.Version
			break
		}
	}
	if model == "" {
		model = rec.AnsweringModel
	}
	if sh.Version != "" {
		version = sh.Version
	}
	return model, version
}

var closedQueue = func() *queue { q := &queue{shut: true}; return q }()

func (t *Tee) queueFor(model string) *queue {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return closedQueue
	}
	q, ok := t.queues[model]
	if !ok {
		q = newQueue(t.opts.QueueSize, t.opts.Concurrency, t.deps.Metrics.queueDepth.WithLabelValues(model), t.run)
		t.queues[model] = q
	}
	return q
}

// Close stops accepting samples and waits for queued calls until ctx ends;
// then it cancels the calls still running (they are dropped, not scored).
func (t *Tee) Close(ctx context.Context) error {
	t.mu.Lock()
	t.closed = true
	qs := make([]*queue, 0, len(t.queues))
	for _, q := range t.queues {
		qs = append(qs, q)
	}
	t.mu.Unlock()
	done := make(chan struct{})
	go func() {
		for _, q := range qs {
			q.close()
		}
		for _, q := range qs {
			q.wg.Wait()
		}
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		t.cancel()
		<-done // every call now ends at once: its context is cancelled
		return ctx.Err()
	}
}

func (t *Tee) evaluator(name string) (eval.Evaluator, bool) {
	if e, ok := t.evals.Load(name); ok {
		return e.(eval.Evaluator), true
	}
	e, ok := eval.New(name, eval.Options{CaseFold: t.opts.CaseFold})
	if !ok {
		return nil, false
	}
	actual, _ := t.evals.LoadOrStore(name, e)
	return actual.(eval.Evaluator), true
}

// answer is one side's outcome.
type answer struct {
	msg     openai.Message
	status  int
	latency time.Duration
	cost    int64
	priced  bool
	err     string
}
