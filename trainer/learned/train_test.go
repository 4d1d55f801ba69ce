package learned

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/fledgling-ai/fledgling/internal/features"
)

func TestTrainSeparableReachesAccuracy(t *testing.T) {
	ex := separable(1000, 7)
	for _, hidden := range []int{0, 16} {
		steps := 0
		m, rep, err := Train(context.Background(), ex, Options{Hidden: hidden, Epochs: 25, QualityThreshold: 0.9}, func(step int, loss float64) {
			steps = step
			if math.IsNaN(loss) {
				t.Fatalf("NaN loss at step %d", step)
			}
		})
		if err != nil {
			t.Fatalf("hidden=%d: %v", hidden, err)
		}
		t.Logf("%s: %+v", rep.Kind, rep)
		if steps == 0 || steps != rep.Steps {
			t.Errorf("progress saw %d steps, report %d", steps, rep.Steps)
		}
		if rep.HoldoutAccuracy < 0.95 {
			t.Errorf("%s holdout accuracy %.3f < 0.95", rep.Kind, rep.HoldoutAccuracy)
		}
		if rep.AUC < 0.98 {
			t.Errorf("%s AUC %.3f", rep.Kind, rep.AUC)
		}
		// Half the traffic is arithmetic the candidate always passes: the
		// threshold must route about that half and hold quality there, while
		// all-or-nothing (50% pass rate) could route nothing.
		if rep.RoutedShare < 0.35 || rep.RoutedShare > 0.65 || rep.RoutedLower < 0.9 {
			t.Errorf("%s routed share %.2f lower %.3f", rep.Kind, rep.RoutedShare, rep.RoutedLower)
		}
		if rep.OverallLower >= 0.9 {
			t.Errorf("all-or-nothing bound %.3f should fail 0.9", rep.OverallLower)
		}
		if m.Threshold <= 0 || m.Threshold > 1 || m.Dim != features.Dim {
			t.Errorf("threshold %v dim %d", m.Threshold, m.Dim)
		}
	}
}

func TestCorrectedBoundsAreMoreCautiousThanWilson(t *testing.T) {
	// 300 requests in score order: the top 200 pass 95%, the rest 50%.
	var scores []float64
	var passed []bool
	for i := 0; i < 300; i++ {
		scores = append(scores, 1-float64(i)/300)
		passed = append(passed, (i < 200 && i%20 != 7) || (i >= 200 && i%2 == 0))
	}
	w := chooseThreshold(scores, passed, 0.85, 0.95, 20, BoundWilson)
	a := chooseThreshold(scores, passed, 0.85, 0.95, 20, BoundAnytime)
	b := chooseThreshold(scores, passed, 0.85, 0.95, 20, BoundBonferroni)
	if a.Routed == 0 || a.Routed >= w.Routed || a.Lower < 0.85 || w.Lower < 0.85 {
		t.Fatalf("anytime %+v, wilson %+v", a, w)
	}
	if b.Routed == 0 || b.Routed > w.Routed || b.Routed%15 != 0 || b.Lower < 0.85 {
		t.Fatalf("bonferroni %+v (must sit on the 5%% grid of 300), wilson %+v", b, w)
	}
}

func TestTrainRejectsBadInput(t *testing.T) {
	_, _, err := Train(context.Background(), separable(10, 1), Options{QualityThreshold: 0.9}, nil)
	if !errors.Is(err, ErrTooFewExamples) {
		t.Errorf("10 examples: %v", err)
	}
	allPass := separable(100, 1)
	for i := range allPass {
		allPass[i].Passed = true
	}
	if _, _, err := Train(context.Background(), allPass, Options{QualityThreshold: 0.9}, nil); !errors.Is(err, ErrTooFewExamples) {
		t.Errorf("one class: %v", err)
	}
	if _, _, err := Train(context.Background(), separable(100, 1), Options{}, nil); err == nil {
		t.Error("missing quality threshold accepted")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := Train(ctx, separable(100, 1), Options{QualityThreshold: 0.9}, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled ctx: %v", err)
	}
}

func TestChooseThreshold(t *testing.T) {
	// 100 high scores all passing, 100 low scores passing 50%.
	var scores []float64
	var passed []bool
	for i := 0; i < 100; i++ {
		scores, passed = append(scores, 0.9+float64(i)/1000), append(passed, true)
		scores, passed = append(scores, 0.1+float64(i)/1000), append(passed, i%2 == 0)
	}
	c := chooseThreshold(scores, passed, 0.9, 0.95, 20, BoundWilson)
	if c.Routed < 100 || c.Routed > 115 || c.Lower < 0.9 {
		t.Fatalf("cut %+v", c)
	}
	if c := chooseThreshold(scores, passed, 0.999, 0.95, 20, BoundAnytime); c.Threshold != Never || c.Routed != 0 {
		t.Fatalf("impossible quality routed %+v", c)
	}
	tied := chooseThreshold([]float64{0.5, 0.5, 0.5}, []bool{true, true, false}, 0.1, 0.95, 1, BoundWilson)
	if tied.Routed != 3 {
		t.Fatalf("ties split: %+v", tied)
	}
}

func TestPlattRecoversSlope(t *testing.T) {
	var zs, ys []float64
	for i := 0; i < 2000; i++ {
		z := float64(i%200)/20 - 5
		p := sigmoid(2*z - 1)
		y := 0.0
		if float64((i*7919)%1000)/1000 < p {
			y = 1
		}
		zs, ys = append(zs, z), append(ys, y)
	}
	a, c := platt(zs, ys)
	if math.Abs(a-2) > 0.4 || math.Abs(c+1) > 0.4 {
		t.Fatalf("platt a=%v c=%v, want about 2, -1", a, c)
	}
}

func TestAUC(t *testing.T) {
	if got := auc([]float64{0.1, 0.2, 0.8, 0.9}, []bool{false, false, true, true}); got != 1 {
		t.Errorf("perfect auc = %v", got)
	}
	if got := auc([]float64{0.5, 0.5}, []bool{false, true}); got != 0.5 {
		t.Errorf("tied auc = %v", got)
	}
}
