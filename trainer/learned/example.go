package learned

import (
	"context"
	"time"
)

// Example is one shadow pair as the router sees it: the request body and
// whether the candidate passed every evaluator of the route.
type Example struct {
	Body   []byte
	Passed bool
	// TaskKey, when set, is the request's task key header value.
	TaskKey string
}

// PairSource reads the labelled shadow pairs of one route and candidate
// version. internal/app adapts the shadow pair store to it.
type PairSource interface {
	Pairs(ctx context.Context, route, model, version string) ([]Example, error)
}

// Options control one training run. Zero values take the documented defaults.
type Options struct {
	// Hidden units of the MLP; 0 trains logistic regression.
	Hidden int
	// Epochs over the training split. Default 40.
	Epochs int
	// BatchSize of each Adam step. Default 64 (or the training-set size).
	BatchSize int
	// LearnRate of Adam. Default 0.01.
	LearnRate float64
	// L2 weight decay. Default 1e-4.
	L2 float64
	// HoldoutFraction of the pairs kept out of training; they fit the
	// calibration and select the threshold. Default 0.5.
	HoldoutFraction float64
	// QualityThreshold is the route's minimum pass rate on the routed subset
	// (e.g. the candidate's tool_call threshold, 0.95). Required.
	QualityThreshold float64
	// Confidence of the lower bound on the routed subset. Default 0.95.
	Confidence float64
	// Bound on the routed subset: BoundBonferroni (default), BoundAnytime or BoundWilson.
	Bound string
	// MinRouted is the fewest holdout pairs a threshold may route. Default 20.
	MinRouted int
	// Seed makes the split and the initial weights reproducible. Default 1.
	Seed int64
	// Timeout bounds the fitting. Default none (the context still applies).
	Timeout time.Duration
}

func (o *Options) setDefaults() {
	if o.Epochs == 0 {
		o.Epochs = 40
	}
	if o.BatchSize == 0 {
		o.BatchSize = 64
	}
	if o.LearnRate == 0 {
		o.LearnRate = 0.01
	}
	if o.L2 == 0 {
		o.L2 = 1e-4
	}
	if o.HoldoutFraction == 0 {
		o.HoldoutFraction = 0.5
	}
	if o.Confidence == 0 {
		o.Confidence = 0.95
	}
	if o.Bound == "" {
		o.Bound = BoundBonferroni
	}
	if o.MinRouted == 0 {
		o.MinRouted = 20
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
}
