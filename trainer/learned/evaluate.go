package learned

import "sort"

// calibrate fits Platt scaling on the holdout and folds it into the final
// layer. Using the same pairs to select the threshold does not bias the
// routed subset's bound: with a > 0 the calibration is monotone, so which
// pairs a cut routes depends only on the raw ordering and the labels.
func calibrate(m *Model, xs [][]float32, ys []float64, idx []int, rep *Report) {
	zs := make([]float64, len(idx))
	h := make([]float32, m.Hidden)
	for k, i := range idx {
		zs[k] = m.logit(xs[i], h)
	}
	a, c := platt(zs, pickF(ys, idx))
	rep.PlattA, rep.PlattC = a, c
	for i := range m.W2 {
		m.W2[i] = float32(a * float64(m.W2[i]))
	}
	m.B2 = float32(a*float64(m.B2) + c)
}

// selectThreshold picks the threshold on the holdout and records the routed
// and all-or-nothing figures. A model whose calibration slope is not positive
// ranks no better than chance the wrong way round: it routes nothing.
func selectThreshold(m *Model, xs [][]float32, ys []float64, idx []int, o Options, rep *Report) {
	scores := make([]float64, len(idx))
	passed := make([]bool, len(idx))
	h := make([]float32, m.Hidden)
	var passes int
	for k, i := range idx {
		scores[k] = sigmoid(m.logit(xs[i], h))
		passed[k] = ys[i] > 0.5
		if passed[k] {
			passes++
		}
	}
	c := chooseThreshold(scores, passed, o.QualityThreshold, o.Confidence, o.MinRouted, o.Bound)
	if rep.PlattA <= 0 {
		c = cut{Threshold: Never}
	}
	m.Threshold = c.Threshold
	rep.Threshold = c.Threshold
	rep.Bound = o.Bound
	rep.AUC = auc(scores, passed)
	rep.BrierCalibrated = brier(scores, passed)
	rep.BrierRaw = rawBrier(m, rep, xs, idx, passed)
	if n := len(idx); n > 0 {
		rep.RoutedShare = float64(c.Routed) / float64(n)
		rep.OverallPassRate = float64(passes) / float64(n)
		rep.OverallLower = lowerBound(o.Bound, passes, n, o.Confidence)
	}
	if c.Routed > 0 {
		rep.RoutedPassRate = float64(c.Passed) / float64(c.Routed)
		rep.RoutedLower = c.Lower
	}
}

// rawBrier undoes the folded calibration to score the uncalibrated model.
func rawBrier(m *Model, rep *Report, xs [][]float32, idx []int, passed []bool) float64 {
	if rep.PlattA == 0 {
		return 0
	}
	raw := make([]float64, len(idx))
	h := make([]float32, m.Hidden)
	for k, i := range idx {
		raw[k] = sigmoid((m.logit(xs[i], h) - rep.PlattC) / rep.PlattA)
	}
	return brier(raw, passed)
}

func brier(scores []float64, passed []bool) float64 {
	if len(scores) == 0 {
		return 0
	}
	var s float64
	for i, p := range scores {
		y := 0.0
		if passed[i] {
			y = 1
		}
		s += (p - y) * (p - y)
	}
	return s / float64(len(scores))
}

// auc is the probability that a random passing request scores above a
// random failing one (ties count half).
func auc(scores []float64, passed []bool) float64 {
	idx := make([]int, len(scores))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return scores[idx[a]] < scores[idx[b]] })
	var rankSum, pos float64
	for r := 0; r < len(idx); {
		e := r
		for e+1 < len(idx) && scores[idx[e+1]] == scores[idx[r]] {
			e++
		}
		avg := float64(r+e)/2 + 1
		for k := r; k <= e; k++ {
			if passed[idx[k]] {
				rankSum += avg
				pos++
			}
		}
		r = e + 1
	}
	neg := float64(len(idx)) - pos
	if pos == 0 || neg == 0 {
		return 0.5
	}
	return (rankSum - pos*(pos+1)/2) / (pos * neg)
}

// accuracy of score ≥ 0.5 on idx.
func accuracy(m *Model, xs [][]float32, ys []float64, idx []int) float64 {
	if len(idx) == 0 {
		return 0
	}
	ok := 0
	h := make([]float32, m.Hidden)
	for _, i := range idx {
		if (sigmoid(m.logit(xs[i], h)) >= 0.5) == (ys[i] > 0.5) {
			ok++
		}
	}
	return float64(ok) / float64(len(idx))
}
