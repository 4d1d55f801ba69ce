package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/fledgling-ai/fledgling/internal/capture"
	"github.com/fledgling-ai/fledgling/internal/config"
	"github.com/fledgling-ai/fledgling/internal/store"
	"github.com/fledgling-ai/fledgling/shadow"
	"github.com/fledgling-ai/fledgling/trainer"
	"github.com/fledgling-ai/fledgling/trainer/learned"
)

// routerBackend is the trainer backend of "learned_router" jobs: it runs
// learned.RunJob on the route's shadow pairs and returns the .onnx file and
// its threshold as the artifact. It never touches routing: an operator
// points learned_routing.models.<route> at the file (the job log and the
// artifact say how) and the reload opens it.
type routerBackend struct {
	pairs learned.PairSource
	cfg   *config.Config
}

// learnedRouterBackend builds the backend over the shadow and capture stores of db.
func learnedRouterBackend(ctx context.Context, cfg *config.Config, db *store.DB, caps *capture.Store) (trainer.Backend, error) {
	sh, err := shadow.NewStore(ctx, db, cfg.Shadow.Alpha)
	if err != nil {
		return nil, err
	}
	return &routerBackend{pairs: &learnedPairs{pairs: sh, captures: caps, cfg: cfg}, cfg: cfg}, nil
}

func (b *routerBackend) Run(ctx context.Context, r *trainer.Run) (*trainer.Artifact, error) {
	spec, err := routerJobSpec(b.cfg, r.Job.Route, r.Job.BaseModel, r.OutputDir)
	if err != nil {
		return nil, err
	}
	r.Report.Log(ctx, "learned", fmt.Sprintf("router for route %s → %s@%s: quality threshold %.3g, shapes %v, epochs %d",
		spec.Route, spec.Model, spec.Version, spec.Options.QualityThreshold, spec.Hidden, spec.Options.Epochs))
	progress, flush := routerProgress(ctx, r.Report)
	res, err := learned.RunJob(ctx, b.pairs, spec, progress)
	flush()
	if err != nil {
		return nil, err
	}
	for _, rep := range res.Reports {
		r.Report.Log(ctx, "learned", fmt.Sprintf("%s h=%d: AUC %.3f, routed %.1f%% at threshold %.4g, routed pass %.3f (bound %.3f), all-or-nothing bound %.3f",
			rep.Kind, rep.Hidden, rep.AUC, 100*rep.RoutedShare, rep.Threshold, rep.RoutedPassRate, rep.RoutedLower, rep.OverallLower))
	}
	r.Report.Log(ctx, "learned", fmt.Sprintf("to serve it: learned_routing.models.%s: {path: %s, threshold: %.6g, candidate: %s} and policy: learned on the route",
		spec.Route, res.Path, res.Report.Threshold, spec.Model))
	return &trainer.Artifact{Kind: trainer.ArtifactLearnedRouter, Path: res.Path, Threshold: res.Report.Threshold,
		Manifest: strings.TrimSuffix(res.Path, ".onnx") + ".report.json", Candidate: spec.Model + "@" + spec.Version}, nil
}

// routerProgress writes the optimiser's steps (cumulative over the shapes
// tried) into the job at most every half second; flush writes the last one.
func routerProgress(ctx context.Context, rep trainer.Reporter) (func(learned.Progress), func()) {
	var base, last int
	var loss float64
	shape, next := "", time.Time{}
	write := func() { rep.Progress(ctx, trainer.Update{Step: int64(base + last), Loss: loss}) }
	return func(p learned.Progress) {
		if p.Shape != shape {
			base, shape = base+last, p.Shape
			rep.Log(ctx, "learned", "training "+shape)
		}
		last, loss = p.Step, p.Loss
		if now := time.Now(); now.After(next) {
			next = now.Add(500 * time.Millisecond)
			write()
		}
	}, write
}

// routerJobSpec resolves the job's route and candidate ("model@version",
// "model" or "": learned_routing.models.<route>.candidate, else the route's
// first candidate) against cfg. The quality threshold is the candidate's
// strictest promotion threshold (Passed means every evaluator passed).
func routerJobSpec(cfg *config.Config, route, candidate, outDir string) (learned.JobSpec, error) {
	r := routeNamed(cfg, route)
	if r == nil {
		return learned.JobSpec{}, fmt.Errorf("no route named %q", route)
	}
	model, version, _ := strings.Cut(candidate, "@")
	if model == "" {
		model = cfg.Learned.Models[route].Candidate
	}
	c := routeCandidate(r, model, version)
	if c == nil {
		return learned.JobSpec{}, fmt.Errorf("route %s has no candidate %q", route, candidate)
	}
	q := 0.0
	for _, th := range c.Promotion.Thresholds {
		q = max(q, th)
	}
	if q <= 0 || q >= 1 {
		return learned.JobSpec{}, fmt.Errorf("candidate %s@%s of route %s has no promotion threshold within (0,1) to train for", c.Model, c.Version, route)
	}
	t := cfg.Learned.Training
	return learned.JobSpec{Route: route, Model: c.Model, Version: c.Version, Hidden: t.Hidden, OutDir: outDir, MinPairs: t.MinPairs,
		Options: learned.Options{Epochs: t.Epochs, QualityThreshold: q, Confidence: c.Promotion.Confidence}}, nil
}

func routeCandidate(r *config.Route, model, version string) *config.Candidate {
	for i := range r.Candidates {
		c := &r.Candidates[i]
		if (model == "" || c.Model == model) && (version == "" || c.Version == version) {
			return c
		}
	}
	return nil
}
