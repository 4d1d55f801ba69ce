package shadow

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Pairs are stored by group commit. Every shadow worker (several per
// candidate) stores its pair as soon as it is scored, and a transaction of
// its own cost each pair a commit: the write lock taken and released, and
// WAL pages for the pair, its indexes and three hourly aggregates, which
// on SQLite's 16 KiB pages (package store) are large. So the first Add that
// finds no commit under way leads: it writes every pair queued until then
// in one transaction and answers each waiting Add with its pair's own
// result; pairs queued meanwhile go to the next group. An Add that comes
// alone is written alone, at once; none waits for a timer.
// BenchmarkStoreAdd: about four times the pairs per second of one
// transaction each, with 16 workers.

// maxGroup bounds the pairs one transaction writes.
const maxGroup = 64

// groupWriteTimeout bounds one group's transaction. It does not depend on
// any one caller's context: a group carries other callers' pairs.
const groupWriteTimeout = 10 * time.Second

// pendingAdd is a pair waiting to be written and where its result goes.
type pendingAdd struct {
	p    *Pair
	done chan error
}

// group is the queue of pairs waiting for the leader.
type group struct {
	mu      sync.Mutex
	queue   []pendingAdd
	leading bool
}

// Add stores p and folds it into the aggregates, in one transaction that
// other pairs stored at the same time may share. It returns once p is
// committed (or failed); ctx only bounds the wait.
func (s *Store) Add(ctx context.Context, p *Pair) error {
	done := make(chan error, 1)
	s.group.mu.Lock()
	s.group.queue = append(s.group.queue, pendingAdd{p: p, done: done})
	lead := !s.group.leading
	s.group.leading = true
	s.group.mu.Unlock()
	if lead {
		s.lead(ctx)
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("shadow store: waiting for the commit: %w", ctx.Err())
	}
}

// lead writes one group, which holds the leader's own pair unless more
// than maxGroup were queued ahead of it; pairs queued meanwhile are left to
// a goroutine that leads until the queue is empty, so that no caller keeps
// writing others' pairs for as long as they come.
func (s *Store) lead(ctx context.Context) {
	ctx = context.WithoutCancel(ctx)
	s.writeGroup(ctx, s.group.take())
	if next := s.group.take(); next != nil {
		go s.leadOn(ctx, next)
	}
}

// leadOn writes batch and every group queued after it, then steps down.
func (s *Store) leadOn(ctx context.Context, batch []pendingAdd) {
	for ; batch != nil; batch = s.group.take() {
		s.writeGroup(ctx, batch)
	}
}

// take removes up to maxGroup queued pairs; with none queued it steps the
// leader down and returns nil.
func (g *group) take() []pendingAdd {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.queue) == 0 {
		g.leading = false
		return nil
	}
	n := min(len(g.queue), maxGroup)
	batch := append([]pendingAdd(nil), g.queue[:n]...)
	g.queue = append(g.queue[:0], g.queue[n:]...)
	return batch
}

// writeGroup commits the batch in one transaction. When that fails, each
// pair is written alone, so that one pair the database refuses does not
// fail the others.
func (s *Store) writeGroup(ctx context.Context, batch []pendingAdd) {
	pairs := make([]*Pair, len(batch))
	for i, b := range batch {
		pairs[i] = b.p
	}
	err := s.addBounded(ctx, pairs)
	if err == nil || len(batch) == 1 {
		for _, b := range batch {
			b.done <- err
		}
		return
	}
	for _, b := range batch {
		b.p.ID = 0 // the failed transaction's ids were rolled back
		b.done <- s.addBounded(ctx, []*Pair{b.p})
	}
}

// addBounded runs one transaction under groupWriteTimeout.
func (s *Store) addBounded(ctx context.Context, pairs []*Pair) error {
	ctx, cancel := context.WithTimeout(ctx, groupWriteTimeout)
	defer cancel()
	return s.addTx(ctx, pairs)
}
