package learned

import (
	"sort"

	"github.com/fledgling-ai/fledgling/internal/stats"
)

// Never is the threshold of a model that routes nothing: scores are ≤ 1.
const Never = 2.0

// cut is the outcome of routing the requests with score ≥ Threshold.
type cut struct {
	Threshold float64
	Routed    int     // requests routed to the candidate
	Passed    int     // of which the candidate passed
	Lower     float64 // one-sided lower confidence bound on Passed/Routed
}

// oneSidedWilsonLower is the lower end of a one-sided Wilson bound at conf
// (the two-sided interval at 2·conf − 1).
func oneSidedWilsonLower(passes, n int, conf float64) float64 {
	lo, _ := stats.Wilson(int64(passes), int64(n), 2*conf-1)
	return lo
}

// chooseThreshold returns the cut routing the most requests whose lower bound
// still reaches quality, considering only cuts between distinct scores and
// routing at least minRouted. Without one it returns a cut at Never.
func chooseThreshold(scores []float64, passed []bool, quality, conf float64, minRouted int) cut {
	idx := make([]int, len(scores))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return scores[idx[a]] > scores[idx[b]] })
	best := cut{Threshold: Never}
	passes := 0
	for k, i := range idx {
		if passed[i] {
			passes++
		}
		n := k + 1
		if n < len(idx) && scores[idx[n]] == scores[i] {
			continue // a threshold cannot split tied scores
		}
		if n < minRouted {
			continue
		}
		if lo := oneSidedWilsonLower(passes, n, conf); lo >= quality {
			best = cut{Threshold: scores[i], Routed: n, Passed: passes, Lower: lo}
		}
	}
	return best
}
