package provider

import (
	"sync"
	"time"

	"github.com/fledgling-ai/fledgling/internal/config"
)

// Breaker is one target's circuit breaker. Closed, it lets every call
// through and counts consecutive failures; at breaker.failures it opens and
// the target is skipped for breaker.open_for; then it is half-open and lets
// at most breaker.half_open_probes calls through: a success closes it, a
// failure opens it again. Each Acquire that returned true must be followed
// by exactly one of Success, Failure or Release.
type Breaker struct {
	mu       sync.Mutex
	failures int
	open     bool
	openedAt time.Time
	probes   int
	now      func() time.Time
}

// NewBreaker returns a closed breaker.
func NewBreaker() *Breaker { return &Breaker{now: time.Now} }

// State is "closed", "open" or "half_open".
func (b *Breaker) State(c config.Breaker) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case !b.open:
		return "closed"
	case b.now().Sub(b.openedAt) >= c.OpenFor:
		return "half_open"
	}
	return "open"
}

// Acquire asks to send one call to the target.
func (b *Breaker) Acquire(c config.Breaker) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.open {
		return true
	}
	if b.now().Sub(b.openedAt) < c.OpenFor || b.probes >= c.HalfOpenProbes {
		return false
	}
	b.probes++
	return true
}

// Success closes the breaker.
func (b *Breaker) Success() {
	b.mu.Lock()
	b.failures, b.open, b.probes = 0, false, 0
	b.mu.Unlock()
}

// Failure counts a failure of the target; it opens the breaker at the
// threshold, or again at once when a half-open probe failed.
func (b *Breaker) Failure(c config.Breaker) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.failures++
	if b.open {
		b.probes = max(b.probes-1, 0)
		b.openedAt = b.now()
		return
	}
	if b.failures >= c.Failures {
		b.open, b.openedAt, b.probes = true, b.now(), 0
	}
}

// Release returns an acquired slot without a verdict (the client left, or
// the upstream's answer says nothing about its health).
func (b *Breaker) Release() {
	b.mu.Lock()
	if b.open {
		b.probes = max(b.probes-1, 0)
	}
	b.mu.Unlock()
}
