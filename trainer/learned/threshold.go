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

// Bounds on the routed subset's pass rate.
const (
	// BoundBonferroni (the default) tests only cut points on a grid of
	// GridCuts routed shares (every 5% of the holdout pairs) with a
	// one-sided Wilson bound at confidence 1 − (1−conf)/GridCuts: a
	// Bonferroni correction, so the bound holds for the chosen cut although
	// up to GridCuts were tried.
	BoundBonferroni = "bonferroni"
	// BoundAnytime is the time-uniform confidence sequence of internal/stats:
	// it holds simultaneously for every cut point scanned (the holdout
	// pairs' order comes from a model that never saw their labels), so
	// picking the best cut does not make it optimistic; it needs several
	// hundred holdout pairs to route anything at thresholds near 0.9.
	BoundAnytime = "anytime"
	// BoundWilson is a one-sided Wilson bound per cut point: tighter, but
	// optimistic after scanning many cut points.
	BoundWilson = "wilson"
)

// oneSidedWilsonLower is the lower end of a one-sided Wilson bound at conf
// (the two-sided interval at 2·conf − 1).
func oneSidedWilsonLower(passes, n int, conf float64) float64 {
	lo, _ := stats.Wilson(int64(passes), int64(n), 2*conf-1)
	return lo
}

// GridCuts is the number of cut points BoundBonferroni tests.
const GridCuts = 20

// lowerBound is the chosen bound's lower end at confidence conf.
func lowerBound(kind string, passes, n int, conf float64) float64 {
	switch kind {
	case BoundWilson:
		return oneSidedWilsonLower(passes, n, conf)
	case BoundBonferroni:
		return oneSidedWilsonLower(passes, n, 1-(1-conf)/GridCuts)
	}
	lo, _ := stats.AnytimeBounds(int64(passes), int64(n), 1-conf)
	return lo
}

// chooseThreshold returns the cut routing the most requests whose lower bound
// (BoundAnytime or BoundWilson) still reaches quality, considering only cuts between distinct scores and
// routing at least minRouted. Without one it returns a cut at Never.
func chooseThreshold(scores []float64, passed []bool, quality, conf float64, minRouted int, bound string) cut {
	idx := make([]int, len(scores))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return scores[idx[a]] > scores[idx[b]] })
	best := cut{Threshold: Never}
	passes, lastGrid := 0, 0
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
		if bound == BoundBonferroni {
			// Test only when n reaches a new grid line: at most GridCuts tests.
			g := n * GridCuts / len(idx)
			if g <= lastGrid {
				continue
			}
			lastGrid = g
		}
		if lo := lowerBound(bound, passes, n, conf); lo >= quality {
			best = cut{Threshold: scores[i], Routed: n, Passed: passes, Lower: lo}
		}
	}
	return best
}
