package promotion

import "github.com/fledgling-ai/fledgling/internal/stats"

// Bounds is the anytime-valid confidence sequence the gate uses; it is a
// variable so simulations can compare methods. The lower bound may be
// compared with a threshold after every sample without inflating the error.
var Bounds = func(passes, n int64, confidence float64) (lo, hi float64) {
	return stats.AnytimeBounds(passes, n, 1-confidence)
}
