package demo

import (
	"io"
	"log/slog"
	"time"
)

// Options configure a run.
type Options struct {
	// Short runs the loop with test-speed settings (smaller samples and
	// durations); the full run is the demo (under five minutes).
	Short bool
	// Out receives the live progress; nil discards it.
	Out io.Writer
	// Live redraws the progress block in place (a terminal); otherwise
	// progress is printed as plain lines every few seconds.
	Live bool
	// Dir holds the config, the SQLite store and the trainer's work files.
	// Default: a new temporary directory.
	Dir string
	// Listen is the gateway address. Default "127.0.0.1:0".
	Listen string
	// Recipe is the simulated training recipe; default: found by walking up
	// from the working directory to trainer/recipes/simulated_recipe.py.
	// Training is skipped (and said so) when it or python3 is missing.
	Recipe string
	// KeepServing keeps the gateway (and the simulator and its traffic) up
	// after the loop until ctx ends, for the dashboard.
	KeepServing bool
	// Logger for the gateway and simulator; default discards.
	Logger *slog.Logger
}

// timing is every speed setting of one run.
type timing struct {
	ratePerRoute   float64 // requests per second per route
	threshold      float64 // quality threshold of every route
	minSamples     int
	minDuration    time.Duration
	steps          []float64
	stepSamples    int
	stepDuration   time.Duration
	reverseRate    float64
	failures       int
	controller     time.Duration
	tick           time.Duration // progress refresh
	phaseTimeout   time.Duration
	regressionTo   float64
	promoteTrained bool // wait until the trained candidate is promoted
}

func (o Options) timing() timing {
	if o.Short {
		return timing{ratePerRoute: 10, threshold: 0.8, minSamples: 40, minDuration: 2 * time.Second,
			steps: []float64{50, 100}, stepSamples: 20, stepDuration: time.Second, reverseRate: 0.5, failures: 2,
			controller: 500 * time.Millisecond, tick: time.Second, phaseTimeout: 60 * time.Second, regressionTo: 0.2}
	}
	return timing{ratePerRoute: 10, threshold: 0.85, minSamples: 100, minDuration: 10 * time.Second,
		steps: []float64{10, 50, 100}, stepSamples: 30, stepDuration: 5 * time.Second, reverseRate: 0.3, failures: 2,
		controller: time.Second, tick: time.Second, phaseTimeout: 150 * time.Second, regressionTo: 0.2, promoteTrained: true}
}

// Scenario: the small model's agreement with the large one per task.
var (
	// GoodTasks are where the small model is as good as the large one.
	GoodTasks = []string{"calc", "multi", "parallel"}
	// BadTask is where it is not.
	BadTask = "extract"
	// RegressedTask is the promoted task whose quality is then broken.
	RegressedTask = "calc"
)

const (
	goodAgreement    = 0.98
	badAgreement     = 0.6
	trainedAgreement = 0.99 // the SIMULATED fine-tuned models, on every task
)
