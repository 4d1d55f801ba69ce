package learned

import (
	"context"
	"errors"
	"fmt"
	"math/rand"

	"github.com/fledgling-ai/fledgling/internal/features"
)

// ErrTooFewExamples means there is not enough labelled evidence to train,
// calibrate and select a threshold.
var ErrTooFewExamples = errors.New("too few labelled pairs")

// MinExamples is the fewest pairs Train accepts.
const MinExamples = 60

// Report describes one training run; every rate is measured on the holdout
// pairs, which the model was not trained on.
type Report struct {
	Kind      string  `json:"kind"` // "logistic" or "mlp"
	Hidden    int     `json:"hidden"`
	Steps     int     `json:"steps"`
	FinalLoss float64 `json:"final_loss"`
	NTrain    int     `json:"n_train"`
	NHoldout  int     `json:"n_holdout"` // fits the calibration and selects the threshold
	// HoldoutAccuracy of score ≥ 0.5 against the label.
	HoldoutAccuracy float64 `json:"holdout_accuracy"`
	AUC             float64 `json:"auc"`
	BrierRaw        float64 `json:"brier_raw"`        // before calibration
	BrierCalibrated float64 `json:"brier_calibrated"` // after calibration
	PlattA          float64 `json:"platt_a"`          // calibrated logit = a·z + c
	PlattC          float64 `json:"platt_c"`          //
	Threshold       float64 `json:"threshold"`        // Never (2) when nothing may be routed
	RoutedShare     float64 `json:"routed_share"`
	RoutedPassRate  float64 `json:"routed_pass_rate"`
	RoutedLower     float64 `json:"routed_lower"`      // its lower confidence bound
	OverallPassRate float64 `json:"overall_pass_rate"` // all requests
	OverallLower    float64 `json:"overall_lower"`     // all-or-nothing promotion's bound
	Quality         float64 `json:"quality_threshold"`
	Confidence      float64 `json:"confidence"`
	Bound           string  `json:"bound"` // BoundBonferroni, BoundAnytime or BoundWilson
}

// Train fits a router to examples, calibrates it and picks its threshold.
// progress, when not nil, is called after every optimiser step.
func Train(ctx context.Context, examples []Example, o Options, progress func(step int, loss float64)) (*Model, Report, error) {
	o.setDefaults()
	if o.Bound != BoundBonferroni && o.Bound != BoundAnytime && o.Bound != BoundWilson {
		return nil, Report{}, fmt.Errorf("learned: unknown bound %q", o.Bound)
	}
	if o.QualityThreshold <= 0 || o.QualityThreshold >= 1 {
		return nil, Report{}, fmt.Errorf("learned: quality threshold must be within (0,1), got %g", o.QualityThreshold)
	}
	if len(examples) < MinExamples {
		return nil, Report{}, fmt.Errorf("learned: %w: %d, need %d", ErrTooFewExamples, len(examples), MinExamples)
	}
	if o.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.Timeout)
		defer cancel()
	}
	xs, ys := featurize(examples)
	tr, ho := split(len(xs), o.HoldoutFraction, o.Seed)
	if err := bothClasses(ys, tr); err != nil {
		return nil, Report{}, err
	}
	rep := Report{Kind: kind(o.Hidden), Hidden: o.Hidden, NTrain: len(tr), NHoldout: len(ho),
		Quality: o.QualityThreshold, Confidence: o.Confidence}
	params, err := fit(ctx, pick(xs, tr), pickF(ys, tr), o, func(step int, loss float64) {
		rep.Steps, rep.FinalLoss = step, loss
		if progress != nil {
			progress(step, loss)
		}
	})
	if err != nil {
		return nil, Report{}, fmt.Errorf("learned: fit: %w", err)
	}
	m := modelFrom(params, o.Hidden)
	calibrate(m, xs, ys, ho, &rep)
	selectThreshold(m, xs, ys, ho, o, &rep)
	rep.HoldoutAccuracy = accuracy(m, xs, ys, ho)
	return m, rep, nil
}

func kind(h int) string {
	if h > 0 {
		return "mlp"
	}
	return "logistic"
}

func featurize(examples []Example) ([][]float32, []float64) {
	xs := make([][]float32, len(examples))
	ys := make([]float64, len(examples))
	for i, e := range examples {
		xs[i] = features.Extract(e.Body, e.TaskKey)
		if e.Passed {
			ys[i] = 1
		}
	}
	return xs, ys
}

// split shuffles 0..n-1 and cuts it into train and holdout.
func split(n int, holdout float64, seed int64) (tr, ho []int) {
	perm := rand.New(rand.NewSource(seed ^ 0x5eed)).Perm(n)
	nh := int(float64(n) * holdout)
	return perm[:n-nh], perm[n-nh:]
}

func bothClasses(ys []float64, idx []int) error {
	var pos int
	for _, i := range idx {
		if ys[i] > 0.5 {
			pos++
		}
	}
	if pos == 0 || pos == len(idx) {
		return fmt.Errorf("learned: %w: the training split has only one class (%d of %d passed)", ErrTooFewExamples, pos, len(idx))
	}
	return nil
}

func pick(xs [][]float32, idx []int) [][]float32 {
	out := make([][]float32, len(idx))
	for k, i := range idx {
		out[k] = xs[i]
	}
	return out
}

func pickF(ys []float64, idx []int) []float64 {
	out := make([]float64, len(idx))
	for k, i := range idx {
		out[k] = ys[i]
	}
	return out
}

// modelFrom converts fitted float64 parameters to a float32 Model.
func modelFrom(params [][]float64, hiddenUnits int) *Model {
	m := newModel(hiddenUnits)
	if hiddenUnits > 0 {
		copy32(m.W1, params[0])
		copy32(m.B1, params[1])
		params = params[2:]
	}
	copy32(m.W2, params[0])
	m.B2 = float32(params[1][0])
	return m
}

func copy32(dst []float32, src []float64) {
	for i, v := range src {
		dst[i] = float32(v)
	}
}
