package main

import (
	"context"
	"fmt"
	"math/rand"
	"time"

	"github.com/fledgling-ai/fledgling/internal/features"
	"github.com/fledgling-ai/fledgling/internal/onnx"
	"github.com/fledgling-ai/fledgling/internal/stats"
	"github.com/fledgling-ai/fledgling/trainer/learned"
)

// policyResult is what one routing policy does on the evaluation traffic.
type policyResult struct {
	name, evidence string
	n              int     // evaluation requests
	routed, passed int     // requests sent to the candidate, of which passed
	saved, total   float64 // USD saved, USD of all-primary
}

// savingsTable splits the questions 60/40: the first part, asked 4 times
// each with fresh pass/fail draws, is the shadow evidence; the rest, asked
// twice, is the later traffic each policy is applied to (so the router is
// judged on questions it never saw). It returns the trained models.
func savingsTable(ctx context.Context, reqs []demoRequest, quality float64, quick bool) ([]*learned.Model, error) {
	rng := rand.New(rand.NewSource(7))
	perm := rng.Perm(len(reqs))
	nTrain := len(reqs) * 6 / 10
	train, eval := draw(pickReqs(reqs, perm[:nTrain]), 4, rng), draw(pickReqs(reqs, perm[nTrain:]), 2, rng)
	fmt.Printf("\nsavings at quality threshold %.2f (%.0f%% lower confidence bounds), trained on %d shadow pairs, applied to %d later requests\n",
		quality, confidence*100, len(train), len(eval))
	fmt.Printf("prices USD/1M tokens: primary in %.2f out %.2f, candidate in %.2f out %.2f; tokens ≈ body bytes/4 in, %d out\n",
		bigIn, bigOut, smallIn, smallOut, outTokens)
	fmt.Printf("synthetic truth: candidate pass rate per task %v, −%.2f for questions of ≥ %d bytes\n", taskAgreement, lengthPenalty, longQuestion)
	results := []policyResult{apply("primary only (baseline)", "", eval, func(demoRequest) bool { return false })}
	results = append(results, allOrNothing(train, eval, quality), perTask(train, eval, quality))
	var models []*learned.Model
	epochs := 40
	if quick {
		epochs = 20
	}
	for _, v := range []struct {
		hidden int
		bound  string
	}{{0, learned.BoundBonferroni}, {32, learned.BoundBonferroni}, {0, learned.BoundAnytime}, {0, learned.BoundWilson}} {
		m, res, err := learnedPolicy(ctx, train, eval, v.hidden, epochs, quality, v.bound)
		if err != nil {
			return nil, err
		}
		if v.bound == learned.BoundBonferroni {
			models = append(models, m)
		}
		results = append(results, res)
	}
	printPolicies(results)
	return models, nil
}

// draw repeats each question k times with a pass/fail drawn from its p.
func draw(qs []demoRequest, k int, rng *rand.Rand) []demoRequest {
	out := make([]demoRequest, 0, k*len(qs))
	for i := 0; i < k; i++ {
		for _, q := range qs {
			q.passed = rng.Float64() < q.p
			out = append(out, q)
		}
	}
	return out
}

func pickReqs(reqs []demoRequest, idx []int) []demoRequest {
	out := make([]demoRequest, len(idx))
	for k, i := range idx {
		out[k] = reqs[i]
	}
	return out
}

// cost of one request on the primary and on the candidate, in USD.
func cost(r demoRequest) (big, small float64) {
	in := float64(len(r.body)) / 4
	return (in*bigIn + outTokens*bigOut) / 1e6, (in*smallIn + outTokens*smallOut) / 1e6
}

func apply(name, evidence string, eval []demoRequest, toCandidate func(demoRequest) bool) policyResult {
	res := policyResult{name: name, evidence: evidence, n: len(eval)}
	for _, r := range eval {
		big, small := cost(r)
		res.total += big
		if toCandidate(r) {
			res.routed++
			res.saved += big - small
			if r.passed {
				res.passed++
			}
		}
	}
	return res
}

func lowerBound(passes, n int) float64 {
	lo, _ := stats.Wilson(int64(passes), int64(n), 2*confidence-1)
	return lo
}

// allOrNothing promotes the whole route when its pass-rate bound clears the threshold.
func allOrNothing(train, eval []demoRequest, quality float64) policyResult {
	passes := 0
	for _, r := range train {
		if r.passed {
			passes++
		}
	}
	lo := lowerBound(passes, len(train))
	promote := lo >= quality
	ev := fmt.Sprintf("route bound %.3f", lo)
	return apply("all-or-nothing promotion", ev, eval, func(demoRequest) bool { return promote })
}

// perTask promotes each task whose own bound clears the threshold.
func perTask(train, eval []demoRequest, quality float64) policyResult {
	n, p := map[string]int{}, map[string]int{}
	for _, r := range train {
		n[r.task]++
		if r.passed {
			p[r.task]++
		}
	}
	promoted := map[string]bool{}
	ev := ""
	for _, t := range []string{"calc", "multi", "extract", "parallel"} {
		lo := lowerBound(p[t], n[t])
		promoted[t] = lo >= quality
		ev += fmt.Sprintf("%s %.2f ", t, lo)
	}
	return apply("per-task promotion", ev, eval, func(r demoRequest) bool { return promoted[r.task] })
}

// learnedPolicy trains a router, exports it, and routes eval through ONNX Runtime.
func learnedPolicy(ctx context.Context, train, eval []demoRequest, hidden, epochs int, quality float64, bound string) (*learned.Model, policyResult, error) {
	ex := make([]learned.Example, len(train))
	for i, r := range train {
		ex[i] = learned.Example{Body: r.body, Passed: r.passed}
	}
	start := time.Now()
	m, rep, err := learned.Train(ctx, ex, learned.Options{Hidden: hidden, Epochs: epochs, QualityThreshold: quality, Confidence: confidence, Bound: bound}, nil)
	if err != nil {
		return nil, policyResult{}, err
	}
	took := time.Since(start)
	s, err := onnx.OpenBytes(m.ONNX(), onnx.Options{Sessions: 1})
	if err != nil {
		return nil, policyResult{}, err
	}
	defer s.Close()
	name := "learned: logistic, " + bound
	if hidden > 0 {
		name = fmt.Sprintf("learned: MLP %d, %s", hidden, bound)
	}
	ev := fmt.Sprintf("thr %.3f AUC %.2f holdout bound %.3f (%d steps, %s)", m.Threshold, rep.AUC, rep.RoutedLower, rep.Steps, took.Round(time.Millisecond))
	var scoreErr error
	res := apply(name, ev, eval, func(r demoRequest) bool {
		sc, err := s.Score(features.Extract(r.body, ""))
		if err != nil {
			scoreErr = err
		}
		return err == nil && float64(sc) >= m.Threshold
	})
	return m, res, scoreErr
}

func printPolicies(rs []policyResult) {
	fmt.Printf("%-28s %9s %13s %15s %9s %14s  %s\n", "policy", "→small", "routed pass", "served quality", "savings", "USD saved/1M", "evidence")
	for _, r := range rs {
		routedPass := "-"
		if r.routed > 0 {
			routedPass = fmt.Sprintf("%.3f", float64(r.passed)/float64(r.routed))
		}
		served := 1 - float64(r.routed-r.passed)/float64(r.n)
		fmt.Printf("%-28s %8.1f%% %13s %15.3f %8.1f%% %14.0f  %s\n", r.name, 100*float64(r.routed)/float64(r.n), routedPass,
			served, 100*r.saved/r.total, r.saved/float64(r.n)*1e6, r.evidence)
	}
	fmt.Println("routed pass: candidate pass rate on the requests routed to it (must stay ≥ the threshold); served quality: share of all")
	fmt.Println("requests answered by the primary or by a passing candidate; promotion bounds: one-sided Wilson on the evidence;")
	fmt.Println("learned bounds: bonferroni = Wilson over a 20-cut grid, corrected (default); anytime = time-uniform confidence")
	fmt.Println("sequence over every cut; wilson = uncorrected per-cut bound (optimistic after scanning)")
}
