package promotion

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// Manager holds this replica's view of the promotion state. It adopts newer
// versions from Redis (pub/sub plus a periodic re-read), writes changes
// through Redis (fenced, compare-and-set) and the SQL store, records each
// transition (store, log line, trace event), and tells its listeners — the
// app recompiles the router table — about every new state.
type Manager struct {
	store  *Store
	shared *Shared // nil: single replica, the store is the authority
	log    *slog.Logger
	tracer trace.Tracer
	// Reread is how often the shared state is re-read besides pub/sub.
	Reread time.Duration
	// Observe, when set, sees every transition this replica writes (metrics, tests).
	Observe func(tr *Transition)

	mu        sync.Mutex
	cur       State
	loaded    bool
	listeners []func(State)
}

// NewManager builds a manager; shared may be nil and tp may be nil.
func NewManager(st *Store, shared *Shared, log *slog.Logger, tp trace.TracerProvider) *Manager {
	if tp == nil {
		tp = noop.NewTracerProvider()
	}
	return &Manager{store: st, shared: shared, log: log, tracer: tp.Tracer("github.com/fledgling-ai/fledgling/promotion"),
		Reread: 5 * time.Second, cur: State{Candidates: map[string]*Candidate{}}}
}

// OnChange registers f for every adopted state (called with the manager unlocked).
func (m *Manager) OnChange(f func(State)) {
	m.mu.Lock()
	m.listeners = append(m.listeners, f)
	m.mu.Unlock()
}

// Current is this replica's state (do not mutate it).
func (m *Manager) Current() State {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.cur
}

// Load reads the state at startup: the newer of Redis and the store. When
// Redis is unreachable the store's copy is served until it returns.
func (m *Manager) Load(ctx context.Context) error {
	st, err := m.store.Load(ctx)
	if err != nil {
		return err
	}
	m.adopt(st)
	if m.shared != nil {
		if err := m.reread(ctx); err != nil {
			m.log.Warn("promotion: redis unreachable at start, serving the stored state", "err", err)
		}
	}
	return nil
}

// Follow keeps the state current from Redis until ctx ends.
func (m *Manager) Follow(ctx context.Context) {
	if m.shared == nil {
		return
	}
	reread := func() {
		if err := m.reread(ctx); err != nil {
			m.log.Warn("promotion: re-read after notification", "err", err)
		}
	}
	go m.shared.Subscribe(ctx, reread, func(v int64) {
		if v > m.Current().Version {
			reread()
		}
	})
	t := time.NewTicker(m.Reread)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := m.reread(ctx); err != nil {
				m.log.Debug("promotion: periodic re-read", "err", err)
			}
		}
	}
}

func (m *Manager) reread(ctx context.Context) error {
	st, ok, err := m.shared.Load(ctx)
	if err != nil || !ok {
		return err
	}
	m.adopt(st)
	return nil
}

// adopt installs st if it is newer and notifies the listeners.
func (m *Manager) adopt(st State) bool {
	m.mu.Lock()
	if m.loaded && st.Version <= m.cur.Version {
		m.mu.Unlock()
		return false
	}
	m.cur, m.loaded = st, true
	ls := append([]func(State){}, m.listeners...)
	m.mu.Unlock()
	for _, f := range ls {
		f(st)
	}
	return true
}

// Mutation changes a copy of the state and returns its transitions;
// changed=false means nothing to write.
type Mutation func(st *State) (trs []*Transition, changed bool, err error)

// Update applies f to the newest state and writes the result. token is the
// controller's fencing token, 0 for an operator. It retries version conflicts.
func (m *Manager) Update(ctx context.Context, token int64, f Mutation) ([]*Transition, error) {
	for attempt := 0; ; attempt++ {
		trs, err := m.update(ctx, token, f)
		if !errors.Is(err, ErrConflict) || attempt == 4 {
			return trs, err
		}
	}
}

func (m *Manager) update(ctx context.Context, token int64, f Mutation) ([]*Transition, error) {
	base, expect, err := m.latest(ctx)
	if err != nil {
		return nil, err
	}
	next := base.Clone()
	trs, changed, err := f(&next)
	if err != nil || !changed {
		return nil, err
	}
	next.Version = base.Version + 1
	for _, tr := range trs {
		tr.Token, tr.StateVersion = token, next.Version
	}
	if err := m.write(ctx, next, expect, token, trs); err != nil {
		return nil, err
	}
	m.adopt(next)
	m.record(ctx, trs)
	return trs, nil
}

// latest is the state to change and the version the write must replace:
// with Redis, its state (a replica must not write over a version it has not
// seen) unless this replica knows a newer one (Redis lost it), else this
// replica's.
func (m *Manager) latest(ctx context.Context) (State, int64, error) {
	cur := m.Current()
	if m.shared == nil {
		return cur, cur.Version, nil
	}
	st, ok, err := m.shared.Load(ctx)
	if err != nil {
		return State{}, 0, err
	}
	if !ok || st.Version < cur.Version {
		return cur, st.Version, nil
	}
	return st, st.Version, nil
}

func (m *Manager) write(ctx context.Context, next State, expect, token int64, trs []*Transition) error {
	if m.shared == nil {
		return m.store.Save(ctx, next, trs, true)
	}
	body, err := json.Marshal(next)
	if err != nil {
		return err
	}
	if err := m.shared.Write(ctx, next, body, expect, token); err != nil {
		return err
	}
	if err := m.store.Save(ctx, next, trs, false); err != nil {
		// Redis has the state; the store catches up on the next write.
		m.log.Error("promotion: state applied but not stored", "version", next.Version, "err", err)
	}
	return nil
}

// record logs each transition and emits it as a trace event.
func (m *Manager) record(ctx context.Context, trs []*Transition) {
	for _, tr := range trs {
		if m.Observe != nil {
			m.Observe(tr)
		}
		attrs := []attribute.KeyValue{
			attribute.String("fledgling.route", tr.Route), attribute.String("fledgling.candidate.model", tr.Model),
			attribute.String("fledgling.candidate.version", tr.Version), attribute.String("fledgling.promotion.from", tr.From),
			attribute.String("fledgling.promotion.to", tr.To), attribute.Float64("fledgling.promotion.share", tr.Share),
			attribute.String("fledgling.promotion.actor", tr.Actor), attribute.String("fledgling.promotion.reason", tr.Reason),
			attribute.Int64("fledgling.promotion.token", tr.Token), attribute.Int64("fledgling.promotion.state_version", tr.StateVersion),
		}
		_, span := m.tracer.Start(ctx, "fledgling.promotion.transition")
		span.AddEvent("promotion.transition", trace.WithAttributes(attrs...))
		span.End()
		m.log.Info("promotion transition", "route", tr.Route, "model", tr.Model, "version", tr.Version,
			"from", tr.From, "to", tr.To, "share", tr.Share, "actor", tr.Actor, "reason", tr.Reason,
			"token", tr.Token, "state_version", tr.StateVersion, "evidence", summary(tr))
	}
}

// summary is the evidence line of a transition: n and bounds per evaluator.
func summary(tr *Transition) string {
	if tr.Cum == nil {
		return ""
	}
	s := ""
	for _, name := range sortedEvaluators(tr.Cum.Evaluators) {
		e := tr.Cum.Evaluators[name]
		s += fmt.Sprintf("%s n=%d [%.4f, %.4f] ", name, e.N, e.Lower, e.Upper)
	}
	return s + fmt.Sprintf("savings=%dµ$/day", tr.Cum.NetSavingsMicrosPerDay)
}

func sortedEvaluators(m map[string]EvaluatorEvidence) []string {
	out := make(map[string]float64, len(m))
	for k := range m {
		out[k] = 0
	}
	return sortedNames(out)
}
