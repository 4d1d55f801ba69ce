package provider

import (
	"context"
	"errors"
	"io"
	"net"
	"sync/atomic"
	"time"

	"github.com/fledgling-ai/fledgling/internal/config"
)

// attempt enforces one upstream attempt's timeouts by cancelling its
// context with a *TimeoutError cause, so every phase (headers, first token,
// idle gap, total) fails the same way whatever the transport was doing.
type attempt struct {
	parent context.Context
	ctx    context.Context
	cancel context.CancelCauseFunc
	t      config.Timeouts
	total  *time.Timer
	header *time.Timer
	read   *time.Timer
	phase  atomic.Pointer[string]
	born   time.Time    // monotonic origin of lastRead
	last   atomic.Int64 // time since born of the last body bytes
}

func startAttempt(parent context.Context, t config.Timeouts) *attempt {
	ctx, cancel := context.WithCancelCause(parent)
	a := &attempt{parent: parent, ctx: ctx, cancel: cancel, t: t, born: time.Now()}
	a.total = time.AfterFunc(t.Total, func() { cancel(&TimeoutError{Phase: "total", After: t.Total}) })
	return a
}

func (a *attempt) armHeader() {
	d := a.t.ResponseHeader
	a.header = time.AfterFunc(d, func() { a.cancel(&TimeoutError{Phase: "response_header", After: d}) })
}

func (a *attempt) headersArrived() {
	if a.header != nil {
		a.header.Stop()
	}
}

// armRead starts the body watchdog: first (first-token or idle) until the
// first bytes, then the idle gap between reads.
func (a *attempt) armRead(stream bool) {
	phase, first := "idle", a.t.Idle
	if stream {
		phase, first = "first_token", a.t.FirstToken
	}
	a.phase.Store(&phase)
	a.read = time.AfterFunc(first, a.readExpired)
}

// readExpired fires at the watchdog's deadline. In the idle phase the
// deadline is lazy: reads only note their time, and the timer re-arms for
// the rest of the gap since the last one instead of being reset per read.
func (a *attempt) readExpired() {
	p := a.phase.Load()
	if p == &idlePhase {
		if left := a.t.Idle - (time.Since(a.born) - time.Duration(a.last.Load())); left > 0 {
			a.read.Reset(left)
			return
		}
		a.cancel(&TimeoutError{Phase: *p, After: a.t.Idle})
		return
	}
	d := a.t.Idle
	if *p == "first_token" {
		d = a.t.FirstToken
	}
	a.cancel(&TimeoutError{Phase: *p, After: d})
}

var idlePhase = "idle"

// progressed notes body bytes: the first ones switch the watchdog to the
// idle gap, later ones only record their time (see readExpired).
func (a *attempt) progressed() {
	if a.read == nil {
		return
	}
	a.last.Store(int64(time.Since(a.born)))
	if a.phase.Load() != &idlePhase {
		a.phase.Store(&idlePhase)
		a.read.Reset(a.t.Idle)
	}
}

func (a *attempt) end() {
	a.total.Stop()
	if a.header != nil {
		a.header.Stop()
	}
	if a.read != nil {
		a.read.Stop()
	}
	a.cancel(nil)
}

// classify turns a transport error into the provider's error types.
func (a *attempt) classify(err error) error {
	if a.parent.Err() != nil {
		return ErrCanceled
	}
	var te *TimeoutError
	if errors.As(context.Cause(a.ctx), &te) {
		return te
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return &ConnError{Err: err}
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return &ConnError{Err: err, Dial: true}
	}
	return &ConnError{Err: err}
}

// watchedBody is a response body under the attempt's read watchdog.
type watchedBody struct {
	r io.ReadCloser
	a *attempt
}

func (b *watchedBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if n > 0 {
		b.a.progressed()
	}
	if err != nil && err != io.EOF {
		return n, b.a.classify(err)
	}
	return n, err
}

func (b *watchedBody) Close() error {
	err := b.r.Close()
	b.a.end()
	return err
}
