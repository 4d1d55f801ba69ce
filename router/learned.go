package router

// Scorer is a learned per-request policy: it scores a request's features and
// the candidate serves when the score reaches the route's threshold. The
// trained model behind it lives elsewhere; the router only calls it.
type Scorer interface {
	Score(features []float32) (float32, error)
}

// learnedPolicy is a route's compiled "learned" policy.
type learnedPolicy struct {
	scorer    Scorer
	threshold float32
	candidate string // model; "" means the route's serving candidate
}

// wantsCandidate asks the scorer; any error or missing features keeps the primary.
func (l *learnedPolicy) wantsCandidate(req *Request) bool {
	if l == nil || l.scorer == nil || req.Features == nil {
		return false
	}
	f := req.Features()
	if f == nil {
		return false
	}
	s, err := l.scorer.Score(f)
	return err == nil && s >= l.threshold
}
