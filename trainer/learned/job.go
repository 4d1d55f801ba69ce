package learned

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// JobSpec is one router-training job: a route, the candidate whose pass
// probability is learned, and where the model goes.
type JobSpec struct {
	Route, Model, Version string
	// Hidden lists the shapes tried (0 = logistic); default [0, 32].
	Hidden []int
	// Options apply to every shape (Hidden is overridden per shape).
	Options Options
	// OutDir receives <route>.<model>.<version>.onnx and .report.json.
	OutDir string
	// MinPairs below which the job fails with ErrTooFewExamples. Default MinExamples.
	MinPairs int
}

// Progress is one report of a running job.
type Progress struct {
	Shape string  `json:"shape"` // "logistic" or "mlp-32"
	Step  int     `json:"step"`
	Loss  float64 `json:"loss"`
}

// JobResult is the chosen model and the reports of every shape tried.
type JobResult struct {
	Path    string   `json:"path"`
	Report  Report   `json:"report"`
	Reports []Report `json:"reports"`
	Model   *Model   `json:"-"`
}

// RunJob reads the route's pairs, trains every shape, keeps the one that
// routes the largest share within the quality threshold (the simpler shape
// on ties) and writes it as ONNX with its report. The app installs the file
// through learned_routing.models; the job never touches routing.
func RunJob(ctx context.Context, src PairSource, spec JobSpec, progress func(Progress)) (JobResult, error) {
	if spec.OutDir == "" {
		return JobResult{}, fmt.Errorf("learned: job needs an output directory")
	}
	pairs, err := src.Pairs(ctx, spec.Route, spec.Model, spec.Version)
	if err != nil {
		return JobResult{}, fmt.Errorf("learned: read pairs of %s/%s@%s: %w", spec.Route, spec.Model, spec.Version, err)
	}
	if min := max(spec.MinPairs, MinExamples); len(pairs) < min {
		return JobResult{}, fmt.Errorf("learned: %w: %d pairs for %s, need %d", ErrTooFewExamples, len(pairs), spec.Route, min)
	}
	hidden := spec.Hidden
	if len(hidden) == 0 {
		hidden = []int{0, 32}
	}
	var res JobResult
	for _, h := range hidden {
		m, rep, err := trainShape(ctx, pairs, spec.Options, h, progress)
		if err != nil {
			return JobResult{}, err
		}
		res.Reports = append(res.Reports, rep)
		if res.Model == nil || rep.RoutedShare > res.Report.RoutedShare {
			res.Model, res.Report = m, rep
		}
	}
	return res, writeJob(&res, spec)
}

func trainShape(ctx context.Context, pairs []Example, o Options, hidden int, progress func(Progress)) (*Model, Report, error) {
	o.Hidden = hidden
	shape := kind(hidden)
	if hidden > 0 {
		shape = fmt.Sprintf("mlp-%d", hidden)
	}
	return Train(ctx, pairs, o, func(step int, loss float64) {
		if progress != nil {
			progress(Progress{Shape: shape, Step: step, Loss: loss})
		}
	})
}

func writeJob(res *JobResult, spec JobSpec) error {
	if err := os.MkdirAll(spec.OutDir, 0o755); err != nil {
		return fmt.Errorf("learned: %w", err)
	}
	base := filepath.Join(spec.OutDir, safeName(spec.Route)+"."+safeName(spec.Model)+"."+safeName(spec.Version))
	res.Path = base + ".onnx"
	if err := res.Model.WriteONNX(res.Path); err != nil {
		return err
	}
	raw, _ := json.MarshalIndent(res, "", "  ")
	if err := os.WriteFile(base+".report.json", raw, 0o644); err != nil {
		return fmt.Errorf("learned: write report: %w", err)
	}
	return nil
}

// safeName keeps a name usable as part of a file name.
func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == 0 {
			return '_'
		}
		return r
	}, s)
}
