package capture

import (
	"fmt"
	"sync"
)

// Redaction can wait until a record is stored or exported. The gateway
// attaches its redaction to the record (DeferRedaction) and hands the raw
// record on; the writer and the span building take Redacted(), which runs
// the redaction once, for whichever needs it first, on the idle-priority
// thread where both run (package bgprio). On the gateway's hand-off
// workers, which run at normal priority while requests are in flight,
// redaction had become most of the per-call work. In 7 back-to-back runs
// of cmd/fledgling-bench -only capture alternated with redaction on the
// hand-off, what tracing + capture add at p99 was lower in 6 (median
// +80.9 % against +111.0 %; docs/capture-overhead.md).

// deferredRedaction is a redaction waiting for its first reader.
type deferredRedaction struct {
	once sync.Once
	fn   func(*Record) *Record
	out  *Record
	err  error
}

// DeferRedaction attaches redact to r, to be run at most once by the first
// Redacted. Call it before r is shared.
func (r *Record) DeferRedaction(redact func(*Record) *Record) {
	r.redaction = &deferredRedaction{fn: redact}
}

// Redacted is r as it may be stored or exported: the result of the deferred
// redaction, or r itself when none was attached. When the redaction failed
// (it panicked), it returns nil and the error, and every later call the
// same: the record must then be dropped, never stored raw.
func (r *Record) Redacted() (*Record, error) {
	d := r.redaction
	if d == nil {
		return r, nil
	}
	d.once.Do(func() { d.out, d.err = runRedaction(d.fn, r) })
	return d.out, d.err
}

func runRedaction(fn func(*Record) *Record, r *Record) (out *Record, err error) {
	defer func() {
		if v := recover(); v != nil {
			out, err = nil, fmt.Errorf("redaction of %s failed: %v", r.ID, v)
		}
	}()
	out = fn(r)
	if out == nil {
		return nil, fmt.Errorf("redaction of %s returned nothing", r.ID)
	}
	if out != r {
		out.redaction = nil // a copy carries the original's pointer
	}
	return out, nil
}
