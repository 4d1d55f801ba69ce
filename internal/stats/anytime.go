package stats

import "math"

// The anytime-valid bounds are Robbins' conjugate-mixture confidence sequence
// for a mean in [0,1] (Robbins 1970; Howard, Ramdas, McAuliffe & Sekhon 2021,
// "Time-uniform, nonparametric, nonasymptotic confidence sequences", §3 —
// the Bernoulli counterpart of the normal-mixture boundary quoted in
// closed-loop.md). For a candidate mean m, the process
//
//	M_n(m) = ∫ Π_i q^{x_i} (1-q)^{1-x_i} dBeta(q; a, b)  /  Π_i m^{x_i} (1-m)^{1-x_i}
//	       = B(a+S, b+n-S) / B(a, b)  /  ( m^S (1-m)^{n-S} ),   S = Σ x_i,
//
// is a nonnegative supermartingale when the x_i lie in [0,1] with mean m
// (for Bernoulli x_i it is a martingale; for [0,1] scores convexity of
// x ↦ c^x d^{1-x} gives E ≤ 1). Ville's inequality gives
// P(∃n : M_n(m) ≥ 1/α) ≤ α, so { m : M_n(m) < 1/α } covers the true mean at
// every n simultaneously with probability ≥ 1-α: the gate may look after
// every sample and stop whenever it likes. Unlike a betting CS with a
// predictable bet sequence, it depends on the data only through (S, n), so
// running sums in the store are enough. It is also the universal-portfolio
// betting CS (a mixture of constant bets) and adapts to the variance: near
// p = 0.95 it is much tighter than a sub-Gaussian normal mixture.
//
// The prior Beta(½, ½) (Jeffreys) spreads the boundary's tightness over
// sample sizes; it only shapes the width, never the validity.
const priorA, priorB = 0.5, 0.5

// AnytimeBounds is the time-uniform (1-α) confidence sequence for a pass
// rate after passes successes in n trials. The lower bound is what a gate
// that peeks continuously may compare with its threshold.
func AnytimeBounds(passes, n int64, alpha float64) (lo, hi float64) {
	return AnytimeMeanBounds(float64(passes), n, alpha)
}

// AnytimeMeanBounds is AnytimeBounds for a mean of scores in [0,1]: sum is
// their total over n observations.
func AnytimeMeanBounds(sum float64, n int64, alpha float64) (lo, hi float64) {
	if n <= 0 || alpha <= 0 || alpha >= 1 {
		return 0, 1
	}
	nf := float64(n)
	s := math.Min(math.Max(sum, 0), nf)
	// The set {m : log M_n(m) < log(1/α)} is an interval around s/n because
	// the log-likelihood of m is concave; find each end by bisection.
	thresh := logBeta(priorA+s, priorB+nf-s) - logBeta(priorA, priorB) + math.Log(alpha)
	inside := func(m float64) bool { return logLik(s, nf, m) > thresh }
	mle := s / nf
	lo, hi = 0, 1
	if !inside(0) {
		lo = bisect(inside, 0, mle)
	}
	if !inside(1) {
		hi = bisect(inside, 1, mle)
	}
	return lo, hi
}

// logLik is log( m^s (1-m)^(n-s) ), with 0·log 0 = 0.
func logLik(s, n, m float64) float64 {
	var l float64
	if s > 0 {
		l += s * math.Log(m)
	}
	if n-s > 0 {
		l += (n - s) * math.Log1p(-m)
	}
	return l
}

func logBeta(a, b float64) float64 {
	la, _ := math.Lgamma(a)
	lb, _ := math.Lgamma(b)
	lab, _ := math.Lgamma(a + b)
	return la + lb - lab
}

// bisect finds the boundary between out (outside the set) and in (inside),
// returning a point on the inside's closure rounded outwards (conservative).
func bisect(inside func(float64) bool, out, in float64) float64 {
	for i := 0; i < 60 && math.Abs(in-out) > 1e-9; i++ {
		mid := (out + in) / 2
		if inside(mid) {
			in = mid
		} else {
			out = mid
		}
	}
	return out
}
