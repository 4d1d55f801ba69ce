// Package router makes the routing decision for one request: which model
// serves it, what to fall back to, and which candidates shadow it. It is pure
// and does no I/O, so it is fast, deterministic and table-testable; the
// promotion controller is the only thing that changes its state, by swapping
// in a new compiled Table.
package router

import (
	"errors"
	"sync/atomic"
)

// ErrUnknownModel means no route, model entry or "*" entry serves the name.
var ErrUnknownModel = errors.New("model not found")

// Request is what the router looks at. Header is a lower-cased header lookup.
type Request struct {
	Model     string
	Header    func(name string) string
	KeyID     string
	Metadata  map[string]string
	User      string
	Session   string
	RequestID string
	// Features is the learned-routing feature vector, computed lazily by the
	// gateway only for routes whose policy needs it.
	Features func() []float32
}

// Target is one model to try, in order.
type Target struct {
	Model     string // public model name
	Candidate bool   // served by a candidate (errors fall back to the primary)
	Version   string // candidate version
}

// Shadow is a model to mirror the request to after the answer is complete.
type Shadow struct {
	Model   string
	Version string
	Rate    float64
	// Reverse is set when the candidate served and the primary is the shadow.
	Reverse bool
}

// Decision is the router's answer for one request. Its slices are shared
// with the compiled Table: read them, never write into them (append copies).
type Decision struct {
	Route      string   // "" when no route matched (direct model entry)
	Primary    string   // the route's reference model
	Targets    []Target // serve with Targets[0], fall back in order
	Shadows    []Shadow
	Stage      string // promotion stage of the route, e.g. "shadow", "canary-2", "promoted"
	Evaluators []string
	// SamplingMode and TaskKeyHeader and MinPerTask are the route's shadow sampling.
	SamplingMode  string
	TaskKeyHeader string
	MinPerTask    int
}

// Router holds the current Table and swaps it atomically.
type Router struct{ table atomic.Pointer[Table] }

// New returns a Router serving t.
func New(t *Table) *Router {
	r := &Router{}
	r.table.Store(t)
	return r
}

// Decide routes one request with the current table.
func (r *Router) Decide(req *Request) (Decision, error) { return r.table.Load().Decide(req) }

// Swap installs a new table; requests in flight keep the one they loaded.
func (r *Router) Swap(t *Table) { r.table.Store(t) }

// Table returns the current table.
func (r *Router) Table() *Table { return r.table.Load() }
