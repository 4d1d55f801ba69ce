package stats

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestWilsonMatchesPublishedFigures(t *testing.T) {
	// closed-loop.md §5: one-sided 95% Wilson lower bounds for an observed 0.95
	// (a two-sided 90% interval has the same lower end).
	for _, c := range []struct {
		passes, n int64
		wantLo    float64
	}{{95, 100, 0.901}, {190, 200, 0.918}, {380, 400, 0.929}, {760, 800, 0.936}} {
		lo, hi := Wilson(c.passes, c.n, 0.90)
		if math.Abs(lo-c.wantLo) > 0.0015 {
			t.Errorf("Wilson(%d,%d) lo = %.4f, want %.3f", c.passes, c.n, lo, c.wantLo)
		}
		if hi <= float64(c.passes)/float64(c.n) || hi > 1 {
			t.Errorf("Wilson(%d,%d) hi = %.4f", c.passes, c.n, hi)
		}
	}
	if lo, hi := Wilson(0, 0, 0.95); lo != 0 || hi != 1 {
		t.Errorf("n=0: [%g,%g], want [0,1]", lo, hi)
	}
	if lo, hi := Wilson(10, 10, 0.95); hi != 1 || lo < 0.69 || lo > 0.73 {
		t.Errorf("10/10: [%g,%g], want lo≈0.72 hi=1", lo, hi)
	}
}

func TestAnytimeBoundsShape(t *testing.T) {
	lo, hi := AnytimeBounds(0, 0, 0.05)
	if lo != 0 || hi != 1 {
		t.Fatalf("n=0: [%g,%g]", lo, hi)
	}
	prevW := 2.0
	for _, n := range []int64{20, 100, 400, 1600, 6400} {
		passes := n * 95 / 100
		lo, hi := AnytimeBounds(passes, n, 0.05)
		wlo, whi := Wilson(passes, n, 0.95)
		if !(lo < 0.95 && hi > 0.95) {
			t.Errorf("n=%d: [%g,%g] excludes the observed mean", n, lo, hi)
		}
		// Anytime validity costs width: wider than fixed-n Wilson, but shrinking.
		if lo > wlo || hi < whi {
			t.Errorf("n=%d: anytime [%.4f,%.4f] narrower than Wilson [%.4f,%.4f]", n, lo, hi, wlo, whi)
		}
		if w := hi - lo; w >= prevW {
			t.Errorf("n=%d: width %.4f did not shrink from %.4f", n, w, prevW)
		} else {
			prevW = w
		}
	}
	if lo, _ := AnytimeBounds(1000, 1000, 0.05); lo < 0.99 {
		t.Errorf("1000/1000 lower bound %g, want > 0.99", lo)
	}
	if _, hi := AnytimeBounds(0, 1000, 0.05); hi > 0.01 {
		t.Errorf("0/1000 upper bound %g, want < 0.01", hi)
	}
}

// TestAnytimeCoverageUnderContinuousMonitoring simulates streams with known
// pass rates and checks the bound at EVERY sample (a gate peeking after each
// pair). The truth must stay inside for at least 1-α of the streams; a fixed-n
// Wilson interval peeked the same way is shown for contrast.
func TestAnytimeCoverageUnderContinuousMonitoring(t *testing.T) {
	const streams, length, alpha = 600, 400, 0.05
	rng := rand.New(rand.NewPCG(7, 11))
	for _, p := range []float64{0.5, 0.8, 0.95} {
		csMiss, wilsonMiss := 0, 0
		for s := 0; s < streams; s++ {
			var passes int64
			csOut, wOut := false, false
			for n := int64(1); n <= length; n++ {
				if rng.Float64() < p {
					passes++
				}
				if !csOut {
					lo, hi := AnytimeBounds(passes, n, alpha)
					csOut = p < lo || p > hi
				}
				if !wOut && n >= 10 {
					lo, hi := Wilson(passes, n, 1-alpha)
					wOut = p < lo || p > hi
				}
			}
			if csOut {
				csMiss++
			}
			if wOut {
				wilsonMiss++
			}
		}
		cov := 1 - float64(csMiss)/streams
		t.Logf("p=%.2f: anytime-valid coverage %.3f over %d streams × %d looks (target ≥ %.2f); Wilson peeked: %.3f",
			p, cov, streams, length, 1-alpha, 1-float64(wilsonMiss)/streams)
		// Allow sampling noise of the coverage estimate itself (≈2 s.e.).
		if cov < 1-alpha-2*math.Sqrt(alpha*(1-alpha)/streams) {
			t.Errorf("p=%.2f: coverage %.3f below %.2f", p, cov, 1-alpha)
		}
	}
}

func TestAnytimeMeanBoundsForScores(t *testing.T) {
	// Partial-credit scores in [0,1] with mean 0.7: coverage at every look.
	const streams, length, alpha = 500, 200, 0.05
	rng := rand.New(rand.NewPCG(3, 5))
	miss := 0
	for s := 0; s < streams; s++ {
		var sum float64
		for n := int64(1); n <= length; n++ {
			x := rng.Float64() // uniform partial credit, mean 0.5 …
			if rng.IntN(4) == 0 {
				x = 1 // … or a full pass: mean 0.75·0.5 + 0.25 = 0.625
			}
			sum += x
			if lo, hi := AnytimeMeanBounds(sum, n, alpha); 0.625 < lo || 0.625 > hi {
				miss++
				break
			}
		}
	}
	cov := 1 - float64(miss)/streams
	t.Logf("scores mean 0.625: anytime-valid coverage %.3f over %d streams", cov, streams)
	if cov < 1-alpha-2*math.Sqrt(alpha*(1-alpha)/streams) {
		t.Errorf("coverage %.3f below %.2f", cov, 1-alpha)
	}
}
