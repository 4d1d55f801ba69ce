// Package onnx serves learned routers: it loads an ONNX model that maps the
// feature vector of internal/features to P(candidate passes) and scores one
// request at a time through ONNX Runtime (github.com/yalue/onnxruntime_go).
// *Scorer satisfies router.Scorer.
//
// It exists as its own package because ONNX Runtime is a C library reached
// through cgo and dlopen: only routes with `policy: learned` need it, so the
// rest of the gateway builds and runs without it. Built with CGO_ENABLED=0,
// every entry point returns ErrUnavailable ("learned routing unavailable:
// built without cgo"); Check turns that (or a missing library or a bad model)
// into config problems at validation time instead of at the first request.
//
// Models come from trainer/learned (its ONNX export) or from the user: any
// model with one float input of shape [N, features.Dim] (or [1, Dim]) and one
// float output with one value per row (or two, read as [P(fail), P(pass)]).
//
// Concurrency: an ONNX Runtime session with bound input/output tensors is
// not safe for concurrent Run calls, so a Scorer keeps a small pool of
// sessions, each with its own pre-allocated tensors, handed out through a
// buffered channel (Options.Sessions, default GOMAXPROCS capped at 8). One
// session behind the channel is the mutex variant; cmd/fledgling-bench
// measures both.
package onnx

import (
	"errors"
	"runtime"
)

// ErrUnavailable means ONNX Runtime cannot be used: the binary was built
// without cgo, or the shared library could not be loaded.
var ErrUnavailable = errors.New("learned routing unavailable")

// ErrClosed is returned by Score after Close.
var ErrClosed = errors.New("onnx: scorer closed")

// Options configure a Scorer.
type Options struct {
	// Sessions is the number of pooled sessions. Default GOMAXPROCS, at most 8.
	Sessions int
	// Threads is ONNX Runtime's intra-op thread count per session. Default 1:
	// the models are tiny and a thread pool only adds latency.
	Threads int
}

func (o *Options) setDefaults() {
	if o.Sessions <= 0 {
		o.Sessions = min(runtime.GOMAXPROCS(0), 8)
	}
	if o.Threads <= 0 {
		o.Threads = 1
	}
}
