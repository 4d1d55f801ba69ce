package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/fledgling-ai/fledgling/internal/capture"
	"github.com/fledgling-ai/fledgling/internal/config"
	"github.com/fledgling-ai/fledgling/internal/openai"
	"github.com/fledgling-ai/fledgling/shadow"
	"github.com/fledgling-ai/fledgling/trainer/learned"
)

// maxRouterPairs is how many of a candidate's newest pairs a router job reads.
const maxRouterPairs = 10000

// pairReader and captureGetter are the parts of the shadow and capture
// stores the router's pair source reads.
type pairReader interface {
	Pairs(ctx context.Context, q shadow.PairQuery) ([]shadow.Pair, error)
}

type captureGetter interface {
	Get(ctx context.Context, id string) (*capture.Record, error)
}

// learnedPairs is learned.PairSource over the shadow pair store joined to
// the captured request by CaptureID. A pair is labelled Passed when the
// candidate returned no error and every evaluator that applied passed;
// pairs without a reference (primary error), without any applicable
// evaluator, or whose capture was pruned are left out.
type learnedPairs struct {
	pairs    pairReader
	captures captureGetter
	cfg      *config.Config
}

func (l *learnedPairs) Pairs(ctx context.Context, route, model, version string) ([]learned.Example, error) {
	ps, err := l.pairs.Pairs(ctx, shadow.PairQuery{Route: route, Model: model, Version: version, Limit: maxRouterPairs})
	if err != nil {
		return nil, err
	}
	header := taskKeyHeader(l.cfg, route)
	out := make([]learned.Example, 0, len(ps))
	for i := range ps {
		passed, ok := pairPassed(&ps[i])
		if !ok {
			continue
		}
		rec, err := l.captures.Get(ctx, ps[i].CaptureID)
		if errors.Is(err, capture.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("capture of pair %d: %w", ps[i].ID, err)
		}
		if len(rec.Request) == 0 {
			continue
		}
		out = append(out, learned.Example{Body: rec.Request, Passed: passed, TaskKey: headerTaskKey(header, rec)})
	}
	return out, nil
}

// pairPassed is the pair's label; ok is false when it carries none.
func pairPassed(p *shadow.Pair) (passed, ok bool) {
	if p.PrimaryError != "" {
		return false, false
	}
	if p.CandidateError != "" {
		return false, true
	}
	passed = true
	for _, r := range p.Scores {
		if r.Skipped {
			continue
		}
		ok = true
		passed = passed && r.Pass
	}
	return passed, ok
}

// headerTaskKey is the task key the gateway gives the features: the route's
// task-key header value. A capture stores the body-derived key when the
// header was absent; that one the features derive themselves, so it is "".
func headerTaskKey(header string, rec *capture.Record) string {
	if header == "" || rec.TaskKey == "" || rec.TaskKey == openai.TaskKey(rec.Request) {
		return ""
	}
	return rec.TaskKey
}

func taskKeyHeader(cfg *config.Config, route string) string {
	if cfg == nil {
		return ""
	}
	if r := routeNamed(cfg, route); r != nil {
		return r.Sampling.TaskKeyHeader
	}
	return ""
}
