package features

import "sync"

var vectors = sync.Pool{New: func() any { v := make([]float32, Dim); return &v }}

// Lazy computes a request's features at most once, on first use, into a
// pooled vector: the gateway sets router.Request.Features = l.Features and
// calls l.Release once the routing decision is made, so only routes whose
// policy needs features pay for them and no 8.8 KB vector is allocated per
// request.
type Lazy struct {
	Body    []byte
	TaskKey string
	v       *[]float32
}

// Features returns the feature vector, computing it on the first call.
// It is valid until Release.
func (l *Lazy) Features() []float32 {
	if l.v == nil {
		l.v = vectors.Get().(*[]float32)
		ExtractInto(*l.v, l.Body, l.TaskKey)
	}
	return *l.v
}

// Release returns the vector to the pool; Features must not be used after.
func (l *Lazy) Release() {
	if l.v != nil {
		vectors.Put(l.v)
		l.v = nil
	}
}
