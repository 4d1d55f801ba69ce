package promotion

import (
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/fledgling-ai/fledgling/internal/config"
	"github.com/fledgling-ai/fledgling/router"
)

// simulator feeds a candidate Bernoulli verdicts of a known true pass rate,
// pairsPerCheck per gate check one minute apart, keeping cumulative and
// window counts the way the shadow store would.
type simulator struct {
	rng                    *rand.Rand
	p                      *config.Promotion
	c                      *Candidate
	now                    time.Time
	cumN, cumP, winN, winP int64
	served                 int64 // pairs observed (requests compared)
}

const pairsPerCheck = 25

func simPolicy() *config.Promotion {
	p := &config.Promotion{Thresholds: map[string]float64{"tool_call": 0.90}}
	cfg := config.Config{Routes: []config.Route{{Candidates: []config.Candidate{{Promotion: *p}}}}}
	cfg.SetDefaults() // the documented defaults: confidence 0.95, 200 samples, 10m, steps 1,5,25,50,100 …
	return &cfg.Routes[0].Candidates[0].Promotion
}

func (s *simulator) check(truth float64) {
	s.now = s.now.Add(time.Minute)
	for i := 0; i < pairsPerCheck; i++ {
		pass := int64(0)
		if s.rng.Float64() < truth {
			pass = 1
		}
		s.cumN, s.cumP, s.winN, s.winP = s.cumN+1, s.cumP+pass, s.winN+1, s.winP+pass
	}
	s.served += pairsPerCheck
	entered, epoch := s.c.EnteredAt, s.c.EpochAt
	Step(s.c, s.p, simEv(s.cumN, s.cumP), simEv(s.winN, s.winP), s.now, false)
	if !s.c.EnteredAt.Equal(entered) {
		s.cumN, s.cumP = 0, 0
	}
	if !s.c.EpochAt.Equal(epoch) {
		s.winN, s.winP = 0, 0
	}
}

func simEv(n, passes int64) *Evidence {
	return &Evidence{Evaluators: map[string]EvaluatorEvidence{"tool_call": {N: n, Passes: passes}}, CandidateN: n, PrimaryN: n}
}

// runToDecision checks until the candidate is promoted or rolled back.
func runToDecision(seed uint64, truth float64, maxChecks int) (everServed, promoted bool, pairs int64) {
	t0 := time.Unix(1_700_000_000, 0)
	s := &simulator{rng: rand.New(rand.NewPCG(seed, 7)), p: simPolicy(), now: t0,
		c: NewCandidate("r", config.Candidate{Model: "small", Version: "v1"}, t0)}
	for i := 0; i < maxChecks; i++ {
		s.check(truth)
		everServed = everServed || s.c.Stage == router.StageCanary
		switch s.c.Stage {
		case router.StagePromoted:
			return true, true, s.served
		case router.StageRolledBack:
			return everServed, false, s.served
		}
	}
	return everServed, false, s.served
}

func TestSimulationFalsePromotionAndPower(t *testing.T) {
	const runs = 500
	alpha := 1 - simPolicy().Confidence
	for _, tc := range []struct {
		truth  float64
		checks int
	}{{0.85, 400}, {0.90, 400}, {0.97, 400}} {
		var served, promoted int
		var pairs []int64
		for r := 0; r < runs; r++ {
			s, p, n := runToDecision(uint64(r)+uint64(tc.truth*1e4)<<20, tc.truth, tc.checks)
			if s {
				served++
			}
			if p {
				promoted++
				pairs = append(pairs, n)
			}
		}
		t.Logf("truth %.2f vs threshold 0.90, %d runs of ≤%d pairs: reached canary %.3f, promoted %.3f, median pairs to promotion %d",
			tc.truth, runs, tc.checks*pairsPerCheck, float64(served)/runs, float64(promoted)/runs, median(pairs))
		switch {
		case tc.truth <= 0.90 && float64(served)/runs > alpha:
			t.Errorf("false promotion rate %.3f > α = %.2f", float64(served)/runs, alpha)
		case tc.truth > 0.95 && float64(promoted)/runs < 0.95:
			t.Errorf("clearly better candidate promoted in only %.3f of runs", float64(promoted)/runs)
		}
	}
}

func TestSimulationRegressionAfterPromotionRollsBack(t *testing.T) {
	const runs = 500
	p := simPolicy()
	// At most one mixed epoch, then a fresh all-regressed epoch in which the
	// upper bound of a true 0.80 falls below 0.88 long before its end.
	bound := int64(2*epochFactor*p.MinSamples + 400)
	var worst int64
	var all []int64
	for r := 0; r < runs; r++ {
		t0 := time.Unix(1_700_000_000, 0)
		s := &simulator{rng: rand.New(rand.NewPCG(uint64(r), 99)), p: p, now: t0,
			c: &Candidate{Route: "r", Model: "small", Version: "v1", Stage: router.StagePromoted, Share: 1, EnteredAt: t0, StageAt: t0, EpochAt: t0}}
		// Good history: promoted at 0.96 for a random part of an epoch.
		for i, warm := 0, s.rng.IntN(epochFactor*p.MinSamples/pairsPerCheck); i < 80+warm; i++ {
			s.check(0.96)
		}
		if s.c.Stage != router.StagePromoted {
			t.Fatalf("run %d: a good candidate was demoted before the regression", r)
		}
		start := s.served
		for i := 0; i < 1000 && s.c.Stage == router.StagePromoted; i++ {
			s.check(0.80) // regression: 16 points below its promoted quality
		}
		n := s.served - start
		if s.c.Stage != router.StageRolledBack {
			t.Fatalf("run %d: regression not rolled back after %d pairs", r, n)
		}
		worst = max(worst, n)
		all = append(all, n)
	}
	p99 := all[len(all)*99/100]
	t.Logf("regression 0.96 → 0.80 after promotion, %d runs: rolled back after median %d, p99 %d, max %d compared requests (bound %d)", runs, median(all), p99, worst, bound)
	if worst > bound {
		t.Errorf("rollback took %d pairs > bound %d", worst, bound)
	}
}

func median(xs []int64) int64 {
	if len(xs) == 0 {
		return 0
	}
	sort.Slice(xs, func(i, j int) bool { return xs[i] < xs[j] })
	return xs[len(xs)/2]
}
