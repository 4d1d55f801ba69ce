package provider

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"github.com/fledgling-ai/fledgling/internal/config"
)

// Backoff is the wait before retry number n (n >= 1) of one target:
// exponential from initial_backoff, capped at max_backoff, with full jitter.
func Backoff(n int, r config.Retry) time.Duration {
	d := r.InitialBackoff
	for i := 1; i < n && d < r.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, r.MaxBackoff)
	if d <= 0 {
		return 0
	}
	return d/2 + rand.N(d/2+1)
}

// RetryAfter reads the upstream's requested wait: retry-after-ms
// (milliseconds), then retry-after (seconds, fractional allowed, or an HTTP
// date).
func RetryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	if h == nil {
		return 0, false
	}
	if v := h.Get("Retry-After-Ms"); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms >= 0 {
			return time.Duration(ms * float64(time.Millisecond)), true
		}
	}
	v := h.Get("Retry-After")
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil && s >= 0 {
		return time.Duration(s * float64(time.Second)), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}
