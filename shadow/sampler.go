package shadow

import (
	"math/rand/v2"
	"sync"

	"github.com/fledgling-ai/fledgling/router"
)

// Sampler decides which requests are shadowed. Uniform sampling takes each
// request with the shadow's rate. Stratified sampling first takes every
// request of a task key until that task has MinPerTask samples for this
// (route, shadow), then applies the rate, so rare tasks are still measured.
// The per-task counts live in memory, capped at maxTasks keys.
type Sampler struct {
	mu       sync.Mutex
	seen     map[string]int
	maxTasks int
	rand     func() float64
}

// NewSampler returns a sampler tracking at most maxTasks task keys.
func NewSampler(maxTasks int) *Sampler {
	return &Sampler{seen: map[string]int{}, maxTasks: maxTasks, rand: rand.Float64}
}

// Take reports whether this request is shadowed to sh.
func (s *Sampler) Take(d *router.Decision, sh router.Shadow, taskKey string) bool {
	if sh.Rate <= 0 {
		return false
	}
	if d.SamplingMode == "stratified" && d.MinPerTask > 0 && s.underQuota(d.Route+"\x00"+sh.Model+"\x00"+sh.Version+"\x00"+taskKey, d.MinPerTask) {
		return true
	}
	return sh.Rate >= 1 || s.rand() < sh.Rate
}

// underQuota counts one sample for key if it has fewer than min so far.
func (s *Sampler) underQuota(key string, min int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := s.seen[key]
	if !ok && len(s.seen) >= s.maxTasks {
		return false
	}
	if n >= min {
		return false
	}
	s.seen[key] = n + 1
	return true
}
