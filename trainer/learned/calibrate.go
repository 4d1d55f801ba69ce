package learned

import "math"

// platt fits p = sigmoid(a·z + c) to labels ys: Newton's method with a
// backtracking line search on the cross-entropy (Lin, Lin & Weng 2007,
// "A note on Platt's probabilistic outputs"), with Platt's smoothed targets
// ((N₊+1)/(N₊+2) and 1/(N₋+2)) so that a separable calibration set still has
// a finite optimum.
func platt(zs, ys []float64) (a, c float64) {
	t := plattTargets(ys)
	a, c = 1, 0
	f := plattLoss(zs, t, a, c)
	for iter := 0; iter < 100; iter++ {
		ga, gc, haa, hac, hcc := plattDerivs(zs, t, a, c)
		if math.Abs(ga) < 1e-9 && math.Abs(gc) < 1e-9 {
			break
		}
		haa, hcc = haa+1e-12, hcc+1e-12
		det := haa*hcc - hac*hac
		da := -(hcc*ga - hac*gc) / det
		dc := -(haa*gc - hac*ga) / det
		gd := ga*da + gc*dc
		step := 1.0
		for ; step >= 1e-10; step /= 2 {
			na, nc := a+step*da, c+step*dc
			if nf := plattLoss(zs, t, na, nc); nf < f+1e-4*step*gd {
				a, c, f = na, nc, nf
				break
			}
		}
		if step < 1e-10 {
			break
		}
	}
	return a, c
}

func plattTargets(ys []float64) []float64 {
	var pos, neg float64
	for _, y := range ys {
		if y > 0.5 {
			pos++
		} else {
			neg++
		}
	}
	hi, lo := (pos+1)/(pos+2), 1/(neg+2)
	t := make([]float64, len(ys))
	for i, y := range ys {
		t[i] = lo
		if y > 0.5 {
			t[i] = hi
		}
	}
	return t
}

// plattLoss is the cross-entropy of sigmoid(a·z+c) against targets t, in a
// form that does not overflow: log(1+e^u) − t·u with u = a·z + c.
func plattLoss(zs, t []float64, a, c float64) float64 {
	var f float64
	for i, z := range zs {
		u := a*z + c
		f += softplus(u) - t[i]*u
	}
	return f
}

func plattDerivs(zs, t []float64, a, c float64) (ga, gc, haa, hac, hcc float64) {
	for i, z := range zs {
		p := sigmoid(a*z + c)
		d := p - t[i]
		w := p * (1 - p)
		ga += d * z
		gc += d
		haa += w * z * z
		hac += w * z
		hcc += w
	}
	return
}

func softplus(u float64) float64 {
	if u > 0 {
		return u + math.Log1p(math.Exp(-u))
	}
	return math.Log1p(math.Exp(u))
}
