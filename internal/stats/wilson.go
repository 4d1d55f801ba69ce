package stats

import "math"

// Wilson returns the two-sided Wilson score interval for a binomial
// proportion at confidence level conf (e.g. 0.95). With n == 0 it returns
// the uninformative [0, 1]. It is valid for one look at a fixed n only.
func Wilson(passes, n int64, conf float64) (lo, hi float64) {
	if n <= 0 {
		return 0, 1
	}
	p := clamp01(float64(passes) / float64(n))
	z := NormalQuantile(1 - (1-conf)/2)
	nf := float64(n)
	z2 := z * z
	center := (p + z2/(2*nf)) / (1 + z2/nf)
	half := z / (1 + z2/nf) * math.Sqrt(p*(1-p)/nf+z2/(4*nf*nf))
	return clamp01(center - half), clamp01(center + half)
}

// NormalQuantile is the inverse of the standard normal CDF at q in (0,1).
func NormalQuantile(q float64) float64 {
	return math.Sqrt2 * math.Erfinv(2*q-1)
}

func clamp01(x float64) float64 {
	switch {
	case x < 0 || math.IsNaN(x):
		return 0
	case x > 1:
		return 1
	}
	return x
}
