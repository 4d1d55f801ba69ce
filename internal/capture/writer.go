package capture

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fledgling-ai/fledgling/internal/bgprio"
	"github.com/fledgling-ai/fledgling/internal/config"
	"github.com/fledgling-ai/fledgling/internal/store"
)

// Options configure a Writer.
type Options struct {
	// FlushInterval bounds how long an acknowledged record waits in memory:
	// it is what a kill -9 can lose.
	FlushInterval time.Duration
	BatchSize     int
	QueueSize     int
	SpillDir      string
	// WriteTimeout bounds one batch transaction on PostgreSQL. Default 5s.
	// On SQLite a batch has no deadline (see writeContext).
	WriteTimeout time.Duration
	// ProbeInterval is how often an unreachable database is retried. Default 1s.
	ProbeInterval time.Duration
	Log           *slog.Logger
	// LowPriority runs the writer's database work (batch inserts, journal
	// replays) on the process's idle-priority thread (bgprio.Do); the
	// writer's own goroutine, which only waits and hands work over, stays
	// at normal priority. Meant for SQLite, whose insert work runs in this
	// process; PostgreSQL's runs in its server, and its inserts may wait
	// for the network, which would hold the shared thread.
	LowPriority bool
}

// OptionsFrom takes the writer's settings from the storage config.
func OptionsFrom(cfg config.Storage, log *slog.Logger) Options {
	return Options{FlushInterval: cfg.FlushInterval, BatchSize: cfg.BatchSize, QueueSize: cfg.QueueSize,
		SpillDir: cfg.SpillDir, Log: log}
}

func (o *Options) setDefaults() {
	if o.FlushInterval <= 0 {
		o.FlushInterval = 200 * time.Millisecond
	}
	if o.BatchSize <= 0 {
		o.BatchSize = config.DefaultBatchSize
	}
	if o.QueueSize <= 0 {
		o.QueueSize = 65536
	}
	if o.SpillDir == "" {
		o.SpillDir = "./data/spill"
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = 5 * time.Second
	}
	if o.ProbeInterval <= 0 {
		o.ProbeInterval = time.Second
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
}

// Writer is the capture Recorder: Record only enqueues, and one goroutine
// writes batches. Nothing acknowledged is lost short of kill -9: when the
// queue is full or the database is unreachable, records go to the spill
// journal and are replayed when the database answers again; Close flushes
// everything still queued.
type Writer struct {
	*Store
	opt     Options
	queue   chan queued
	journal *journal

	closeMu  sync.RWMutex // Record holds it shared; Close exclusively
	closed   bool
	stop     chan struct{}
	done     chan struct{}
	flushReq chan chan struct{}
	full     chan struct{} // a whole batch is queued

	hooksMu sync.Mutex
	hooks   []BatchHook

	// loop state (writer goroutine only)
	down          bool
	lastProbe     time.Time
	failedReplays map[string]int

	written, spilled, lost atomic.Uint64
	lagNanos               atomic.Int64
}

type queued struct {
	rec *Record
	at  time.Time
}

// NewWriter starts the writer goroutine on an opened Store.
func NewWriter(s *Store, opt Options) (*Writer, error) {
	opt.setDefaults()
	j, err := openJournal(opt.SpillDir)
	if err != nil {
		return nil, err
	}
	w := &Writer{Store: s, opt: opt, queue: make(chan queued, opt.QueueSize), journal: j,
		stop: make(chan struct{}), done: make(chan struct{}), flushReq: make(chan chan struct{}), full: make(chan struct{}, 1), failedReplays: map[string]int{}}
	s.prepared.keep(min(opt.BatchSize, rowsPerStatement)) // a full batch, or a full statement of one
	if rest := opt.BatchSize % rowsPerStatement; opt.BatchSize > rowsPerStatement && rest > 0 {
		s.prepared.keep(rest)
	}
	go w.run()
	return w, nil
}

// AddHook registers a BatchHook. Register hooks before traffic starts.
func (w *Writer) AddHook(h BatchHook) {
	w.hooksMu.Lock()
	defer w.hooksMu.Unlock()
	w.hooks = append(w.hooks, h)
}

func (w *Writer) currentHooks() []BatchHook {
	w.hooksMu.Lock()
	defer w.hooksMu.Unlock()
	return append([]BatchHook(nil), w.hooks...)
}

// Record enqueues rec. It never blocks on the database: a full queue, or a
// writer that has been closed, sends the record to the spill journal.
func (w *Writer) Record(rec *Record) {
	if rec == nil {
		return
	}
	w.closeMu.RLock()
	defer w.closeMu.RUnlock()
	if !w.closed {
		select {
		case w.queue <- queued{rec: rec, at: time.Now()}:
			if len(w.queue) >= w.opt.BatchSize {
				w.signalFull()
			}
			return
		default:
		}
	}
	w.spill([]*Record{rec})
}

func (w *Writer) spill(recs []*Record) {
	if recs = w.redacted(recs); len(recs) == 0 {
		return
	}
	if err := w.journal.append(recs); err != nil {
		w.lost.Add(uint64(len(recs)))
		w.opt.Log.Error("capture records lost: spill journal failed", "records", len(recs), "err", err)
		return
	}
	w.spilled.Add(uint64(len(recs)))
}

// Close stops accepting records into the queue, writes everything queued
// (to the database, or the journal if it is unreachable), and waits until
// done or ctx expires. Records arriving after Close go to the journal.
func (w *Writer) Close(ctx context.Context) error {
	w.closeMu.Lock()
	already := w.closed
	w.closed = true
	w.closeMu.Unlock()
	if !already {
		close(w.stop)
	}
	select {
	case <-w.done:
		w.prepared.close()
		return w.journal.close()
	case <-ctx.Done():
		return fmt.Errorf("capture writer close: %w", ctx.Err())
	}
}

// Flush returns once every record enqueued before the call is committed
// (or spilled). For tests, tools and the CLI; the request path never calls it.
func (w *Writer) Flush(ctx context.Context) error {
	done := make(chan struct{})
	select {
	case w.flushReq <- done:
	case <-w.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-done:
		return nil
	case <-w.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Depth is the number of records waiting in memory.
func (w *Writer) Depth() int { return len(w.queue) }

// Lost counts records that could neither be written nor spilled.
func (w *Writer) Lost() uint64 { return w.lost.Load() }

// Spilled counts records sent to the journal; SpillPending how many of them
// still wait to be replayed.
func (w *Writer) Spilled() uint64     { return w.spilled.Load() }
func (w *Writer) SpillPending() int64 { return w.journal.pending.Load() }

// Written counts records committed to the database by this writer.
func (w *Writer) Written() uint64 { return w.written.Load() }

// Lag is how long the last committed batch's oldest record waited in memory.
func (w *Writer) Lag() time.Duration { return time.Duration(w.lagNanos.Load()) }

// signalFull wakes the writer goroutine for a full batch. Records are not
// received one by one: each would wake the goroutine. They wait in the
// queue until a batch is full or the flush interval ticks.
func (w *Writer) signalFull() {
	select {
	case w.full <- struct{}{}:
	default:
	}
}

func (w *Writer) run() {
	defer close(w.done)
	t := time.NewTicker(w.opt.FlushInterval)
	defer t.Stop()
	batch := make([]queued, 0, w.opt.BatchSize)
	for {
		select {
		case <-w.full:
			w.writeQueued(batch)
		case <-t.C:
			w.writeQueued(batch)
			w.safeMaintain()
		case req := <-w.flushReq:
			w.writeQueued(batch)
			close(req)
		case <-w.stop:
			w.drain(batch)
			return
		}
	}
}

// drain writes what is in the batch and the queue at shutdown.
func (w *Writer) drain(batch []queued) {
	w.writeQueued(batch)
	if !w.down {
		w.safeMaintain() // replay what was spilled, if the database is there
	}
}

// writeQueued writes the batch and everything in the queue now, including
// records that arrive while it writes: under steady traffic it goes on
// committing whatever arrived during the previous commit (group commit),
// often one or two records at a time, until a commit ends with the queue
// empty. A full batch, a tick and a Flush all start it.
//
// The short commits cost writer CPU (a tick that wrote only what was queued
// at its start made a sixth of the WAL writes, an eighth of the fsyncs and
// used 11 % less CPU), but they spread the work in time, and on the 2-vCPU VM the
// benchmarks run on that is what the request path feels: writing only what
// was queued at a tick's start raised what tracing + capture add at p99
// back to back from a median of +14.0 % to +23.9 % of the gateway's own added
// latency over 23 alternated runs (fifteenth session); stopping after the
// full batches (the rest waiting for the tick), as this writer once did,
// gave +51.9 % against +46.5 % over 79 alternated runs in a noisy phase,
// higher in 48 of them, and a p99.9 about 100 µs longer, for about 7 µs less
// CPU a call (sixteenth session, docs/capture-overhead.md).
func (w *Writer) writeQueued(batch []queued) {
	for {
		batch = w.fill(batch[:0])
		if len(batch) == 0 {
			return
		}
		w.safeFlush(batch)
	}
}

// fill tops batch up from the queue without waiting.
func (w *Writer) fill(batch []queued) []queued {
	for len(batch) < w.opt.BatchSize {
		select {
		case q := <-w.queue:
			batch = append(batch, q)
		default:
			return batch
		}
	}
	return batch
}

func (w *Writer) safeFlush(batch []queued) {
	recs := make([]*Record, len(batch))
	for i, q := range batch {
		recs[i] = q.rec
	}
	defer func() {
		if p := recover(); p != nil {
			w.opt.Log.Error("capture writer panic; batch spilled", "panic", p, "stack", string(debug.Stack()))
			w.spill(recs)
		}
	}()
	if w.down {
		w.spill(recs)
		return
	}
	var err error
	w.low(func() {
		if recs = w.redacted(recs); len(recs) > 0 {
			err = w.write(recs)
		}
	})
	if err != nil {
		w.markDown(err)
		w.spill(recs)
		return
	}
	w.lagNanos.Store(int64(time.Since(batch[0].at)))
}

// redacted is recs as they may be stored (Record.Redacted). A record whose
// redaction failed is dropped, counted as lost and logged: it is never
// stored raw.
func (w *Writer) redacted(recs []*Record) []*Record {
	out := recs[:0:0]
	for _, r := range recs {
		red, err := r.Redacted()
		if err != nil {
			w.lost.Add(1)
			w.opt.Log.Error("capture record dropped", "err", err)
			continue
		}
		out = append(out, red)
	}
	return out
}

func (w *Writer) write(recs []*Record) error {
	ctx, cancel := w.writeContext()
	defer cancel()
	n, err := w.insert(ctx, recs, w.currentHooks())
	if err == nil {
		w.written.Add(uint64(n))
	}
	return err
}

// writeContext is the context of one batch transaction: WriteTimeout on
// PostgreSQL, whose server may stop answering. On SQLite none: the driver
// starts a goroutine for every statement run under a context that can end,
// to interrupt the statement then (BEGIN, each INSERT, each hook's
// statements, COMMIT), and those goroutines were queued on the
// idle-priority thread's Go processor, where an execution trace of the
// capture benchmark showed them waiting milliseconds to run. A SQLite batch
// waits for a lock at most busy_timeout (10 s, internal/store); otherwise it
// waits only for this machine's disk, which no deadline interrupts.
func (w *Writer) writeContext() (context.Context, context.CancelFunc) {
	if w.db.Dialect == store.SQLite {
		return context.Background(), func() {}
	}
	return context.WithTimeout(context.Background(), w.opt.WriteTimeout)
}

func (w *Writer) markDown(err error) {
	if !w.down {
		w.opt.Log.Warn("capture database unreachable; spilling to journal", "dir", w.opt.SpillDir, "err", err)
	}
	w.down = true
	w.lastProbe = time.Now()
}

func (w *Writer) safeMaintain() {
	defer func() {
		if p := recover(); p != nil {
			w.opt.Log.Error("capture writer panic in replay", "panic", p, "stack", string(debug.Stack()))
		}
	}()
	if w.down && !w.probe() {
		return
	}
	if w.journal.hasData() {
		w.low(w.replay)
	}
}

// low runs f where the writer's database work runs: on the idle-priority
// thread with LowPriority, else on the writer's goroutine. A panic in f
// reaches the caller's recover either way.
func (w *Writer) low(f func()) {
	if w.opt.LowPriority {
		bgprio.Do(f)
		return
	}
	f()
}

// probe pings the database at most every ProbeInterval.
func (w *Writer) probe() bool {
	if time.Since(w.lastProbe) < w.opt.ProbeInterval {
		return false
	}
	w.lastProbe = time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), w.opt.WriteTimeout)
	defer cancel()
	if err := w.db.PingContext(ctx); err != nil {
		return false
	}
	w.opt.Log.Info("capture database reachable again; replaying spill journal")
	w.down = false
	return true
}

// replay inserts every sealed segment, oldest first, in batches.
func (w *Writer) replay() {
	segs, err := w.journal.seal()
	if err != nil {
		w.opt.Log.Error("capture spill replay", "err", err)
		return
	}
	for _, seg := range segs {
		if err := w.replaySegment(seg); err != nil {
			w.markDown(err)
			return
		}
	}
}

func (w *Writer) replaySegment(seg string) error {
	recs, lines, err := readSegment(seg)
	if err != nil {
		return err
	}
	for start := 0; start < len(recs); start += w.opt.BatchSize {
		end := min(start+w.opt.BatchSize, len(recs))
		if err := w.write(recs[start:end]); err != nil {
			return w.replayFailed(seg, lines, err)
		}
	}
	w.journal.done(seg, lines)
	delete(w.failedReplays, seg)
	return nil
}

// replayFailed quarantines a segment that keeps failing while the database
// answers pings (a poison record or a failing hook), so the rest can go on.
func (w *Writer) replayFailed(seg string, n int, err error) error {
	ctx, cancel := context.WithTimeout(context.Background(), w.opt.WriteTimeout)
	defer cancel()
	if w.db.PingContext(ctx) != nil {
		return err
	}
	w.failedReplays[seg]++
	if w.failedReplays[seg] >= 3 {
		w.opt.Log.Error("capture spill segment quarantined after 3 failed replays", "segment", seg, "err", err)
		w.journal.quarantine(seg, n)
		delete(w.failedReplays, seg)
		return nil
	}
	return errors.Join(errReplay, err)
}

var errReplay = errors.New("capture spill replay failed")
