package demo

import (
	"context"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/fledgling-ai/fledgling/internal/sim"
)

// Money is one accounting, in micro-USD.
type Money struct {
	Calls                int64
	CostMicros           int64
	CounterfactualMicros int64
}

// Savings is counterfactual − cost.
func (m Money) Savings() int64 { return m.CounterfactualMicros - m.CostMicros }

// rate is a price in micro-USD per million tokens.
type rate struct{ in, out int64 }

// Prices as configured, in µ$ per 1M tokens: every token of the
// self-hosted small model costs gpu_hour_usd / 3600 / tokens_per_second.
var (
	largeRate = rate{in: int64(math.Round(largeInputPerMTok * 1e6)), out: int64(math.Round(largeOutputPerMTok * 1e6))}
	smallRate = func() rate {
		r := int64(math.Round(smallGPUHourUSD / 3600 / smallTokensPerSec * 1e12))
		return rate{in: r, out: r}
	}()
)

// priceOf: sim-large is the hosted large model; every other simulated
// model (sim-small, the trained adapters) is self-hosted at sim-small's price.
func priceOf(model string) rate {
	if model == "sim-large" {
		return largeRate
	}
	return smallRate
}

// picoUSD is tokens × µ$/1M tokens = 1e-6 µ$.
func (r rate) picoUSD(prompt, completion int64) int64 { return prompt*r.in + completion*r.out }

// ExpectedFromSimulator is the accounting the simulator's ground truth
// implies: every token it generated for the application, at the configured
// prices (counterfactual: at sim-large's). The gateway rounds each call to
// a whole µ$, so the two differ by at most half a µ$ per call.
func ExpectedFromSimulator(live sim.Stats) Money {
	var m Money
	var cost, cf int64
	for name, ms := range live.Models {
		m.Calls += ms.Calls
		cost += priceOf(name).picoUSD(ms.PromptTokens, ms.CompletionTokens)
		cf += largeRate.picoUSD(ms.PromptTokens, ms.CompletionTokens)
	}
	m.CostMicros, m.CounterfactualMicros = roundPico(cost), roundPico(cf)
	return m
}

// ExactFromResults recomputes the gateway's figures call by call from what
// the application received (usage and answering model), rounding each call
// half up to a whole µ$ as documented.
func ExactFromResults(rs []sim.Result) Money {
	var m Money
	for _, r := range rs {
		if !r.OK() {
			continue
		}
		m.Calls++
		m.CostMicros += roundPico(priceOf(r.Model).picoUSD(r.PromptTokens, r.CompletionTokens))
		m.CounterfactualMicros += roundPico(largeRate.picoUSD(r.PromptTokens, r.CompletionTokens))
	}
	return m
}

func roundPico(p int64) int64 { return (p + 500_000) / 1_000_000 }

// collect stops nothing: the traffic is stopped; it waits until every call
// is in the store and the rollups, then reads the report.
func (r *runner) collect(ctx context.Context, rep *Report) error {
	rep.Results = r.traffic.results()
	want := int64(len(rep.Results))
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := r.admin.costs(ctx)
		if err != nil {
			return err
		}
		rep.Costs = c
		if c.Totals.Calls >= want || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	var err error
	if rep.Captures, err = r.admin.captures(ctx); err != nil {
		return err
	}
	rep.Live, rep.Shadow = r.sim.live.Stats(), r.sim.shadow.Stats()
	rep.Stages = map[string]map[string][]string{}
	for _, name := range routeNames() {
		trs, err := r.admin.history(ctx, name)
		if err != nil {
			return err
		}
		byCand := map[string][]string{}
		for i := len(trs) - 1; i >= 0; i-- { // oldest first
			k := trs[i].Model + "@" + trs[i].Version
			byCand[k] = append(byCand[k], trs[i].To)
		}
		rep.Stages[name] = byCand
	}
	return nil
}

// Check verifies a run against the simulator's ground truth and returns
// every problem found (none: the loop worked). The demo prints it; the
// end-to-end test fails on it.
func Check(rep Report) []string {
	var ps []string
	add := func(format string, args ...any) { ps = append(ps, fmt.Sprintf(format, args...)) }
	ps = append(ps, checkStages(rep)...)
	sum := sim.Summarize(rep.Results)
	if sum.Failed > 0 {
		add("%d of %d application requests failed, e.g. %+v", sum.Failed, sum.Sent, sum.Failures[0])
	}
	ps = append(ps, checkCaptures(rep)...)
	ps = append(ps, checkMoney(rep)...)
	if len(rep.Results) == 0 {
		add("no traffic")
	}
	return ps
}

func checkStages(rep Report) []string {
	var ps []string
	add := func(format string, args ...any) { ps = append(ps, fmt.Sprintf(format, args...)) }
	for _, task := range GoodTasks {
		got := rep.Stages[task]["sim-small@v1"]
		want := goodSequence(rep.Steps)
		if task == RegressedTask {
			want = append(want, "rolled_back")
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			add("route %s: sim-small@v1 went %v, want %v", task, got, want)
		}
	}
	if got := rep.Stages[BadTask]["sim-small@v1"]; fmt.Sprint(got) != fmt.Sprint([]string{"shadow", "rolled_back"}) {
		add("route %s: sim-small@v1 went %v, want [shadow rolled_back] (never promoted)", BadTask, got)
	}
	for _, tn := range rep.Training {
		got := rep.Stages[tn.Route][tn.Model+"@"+tn.Version]
		switch {
		case tn.Model == "" || len(got) == 0 || got[0] != "shadow":
			add("route %s: retrained candidate %s@%s went %v, want it to enter shadow", tn.Route, tn.Model, tn.Version, got)
		case tn.Pairs == 0:
			add("route %s: retrained candidate %s@%s has no shadow pairs", tn.Route, tn.Model, tn.Version)
		case rep.TrainedPromoted && got[len(got)-1] != "promoted":
			add("route %s: retrained candidate %s@%s went %v, want promoted", tn.Route, tn.Model, tn.Version, got)
		}
	}
	return ps
}

func goodSequence(steps int) []string {
	out := []string{"shadow"}
	for i := 1; i <= steps; i++ {
		out = append(out, fmt.Sprintf("canary-%d", i))
	}
	return append(out, "promoted")
}

// checkCaptures: every application call captured exactly once — as many
// records as requests, unique ids, and the same (route, user, tokens) multiset.
func checkCaptures(rep Report) []string {
	var ps []string
	if len(rep.Captures) != len(rep.Results) {
		ps = append(ps, fmt.Sprintf("%d captures for %d application requests", len(rep.Captures), len(rep.Results)))
	}
	ids := map[string]bool{}
	var fromCaptures, fromResults []string
	for _, c := range rep.Captures {
		if ids[c.ID] {
			ps = append(ps, "capture id "+c.ID+" stored twice")
		}
		ids[c.ID] = true
		in, _ := c.Usage.Input.Get()
		out, _ := c.Usage.Output.Get()
		fromCaptures = append(fromCaptures, fmt.Sprintf("%s/%s/%d/%d", c.Route, c.User, in, out))
	}
	for _, r := range rep.Results {
		fromResults = append(fromResults, fmt.Sprintf("%s/%s/%d/%d", r.Task, r.User, r.PromptTokens, r.CompletionTokens))
	}
	sort.Strings(fromCaptures)
	sort.Strings(fromResults)
	if fmt.Sprint(fromCaptures) != fmt.Sprint(fromResults) {
		ps = append(ps, "the captures' (route, user, tokens) differ from the requests the application made")
	}
	return ps
}

// checkMoney compares the dashboard's totals with the ground truth.
func checkMoney(rep Report) []string {
	var ps []string
	t := rep.Costs.Totals
	exp, exact := ExpectedFromSimulator(rep.Live), ExactFromResults(rep.Results)
	tol := (exp.Calls + 1) / 2
	if t.Calls != exp.Calls || t.Calls != exact.Calls {
		ps = append(ps, fmt.Sprintf("dashboard counts %d calls, the simulator served %d, the application got %d answers", t.Calls, exp.Calls, exact.Calls))
	}
	if d := t.CostMicros - exp.CostMicros; d > tol || d < -tol {
		ps = append(ps, fmt.Sprintf("dashboard cost %d µ$, simulator ground truth %d µ$ (±%d)", t.CostMicros, exp.CostMicros, tol))
	}
	if d := t.CounterfactualMicros - exp.CounterfactualMicros; d > tol || d < -tol {
		ps = append(ps, fmt.Sprintf("dashboard counterfactual %d µ$, simulator ground truth %d µ$ (±%d)", t.CounterfactualMicros, exp.CounterfactualMicros, tol))
	}
	if t.CostMicros != exact.CostMicros || t.CounterfactualMicros != exact.CounterfactualMicros || t.RealizedSavingsMicros != exact.Savings() {
		ps = append(ps, fmt.Sprintf("dashboard cost/counterfactual/savings %d/%d/%d µ$, recomputed per call %d/%d/%d µ$",
			t.CostMicros, t.CounterfactualMicros, t.RealizedSavingsMicros, exact.CostMicros, exact.CounterfactualMicros, exact.Savings()))
	}
	if t.SpendMicros != t.CostMicros+t.FailedAttemptMicros {
		ps = append(ps, fmt.Sprintf("spend %d ≠ cost %d + failed attempts %d", t.SpendMicros, t.CostMicros, t.FailedAttemptMicros))
	}
	return ps
}
