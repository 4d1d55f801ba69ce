package demo

import (
	"fmt"
	"sort"
	"strings"

	"github.com/fledgling-ai/fledgling/internal/sim"
)

// summary prints the outcome and the verification against the simulator.
func (r *runner) summary(rep *Report) {
	out := r.o.Out
	r.p.clear()
	fmt.Fprintf(out, "\n=== Result after %s ===\n", rep.Took.Round(1e9))
	routes := make([]string, 0, len(rep.Stages))
	for name := range rep.Stages {
		routes = append(routes, name)
	}
	sort.Strings(routes)
	for _, name := range routes {
		cands := make([]string, 0, len(rep.Stages[name]))
		for cand := range rep.Stages[name] {
			cands = append(cands, cand)
		}
		sort.Strings(cands)
		for _, cand := range cands {
			stages := rep.Stages[name][cand]
			fmt.Fprintf(out, "  %-9s %-30s %s\n", name, candName(cand), strings.Join(stages, " → "))
		}
	}
	sum := sim.Summarize(rep.Results)
	fmt.Fprintf(out, "  application: %d requests, %d failed, %d correct answers; answered by %s\n", sum.Sent, sum.Failed, sum.Correct, byModel(sum.ByModel))
	t := rep.Costs.Totals
	fmt.Fprintf(out, "  spend %s, the same calls at sim-large prices %s: realized savings %s (%s); shadow evaluation overhead %s; projected savings %s\n",
		usd(t.SpendMicros), usd(t.CounterfactualMicros), usd(t.RealizedSavingsMicros), pct(t.RealizedSavingsMicros, t.CounterfactualMicros),
		usd(t.ShadowOverheadMicros), usd(t.ProjectedSavingsMicros))
	exp := ExpectedFromSimulator(rep.Live)
	fmt.Fprintf(out, "  simulator ground truth: %d calls served to the application, cost %s, at sim-large prices %s (±½ µ$ per call of rounding); %d shadow replays\n",
		exp.Calls, usd(exp.CostMicros), usd(exp.CounterfactualMicros), shadowCalls(rep.Shadow))
	fmt.Fprintf(out, "  captures: %d records for %d requests\n", len(rep.Captures), len(rep.Results))
	if rep.TrainingSkipped != "" {
		fmt.Fprintf(out, "  training: skipped (%s)\n", rep.TrainingSkipped)
	}
	for _, tn := range rep.Training {
		fmt.Fprintf(out, "  training: %s job %s (%s, SIMULATED recipe) → candidate %s, %s, %d shadow pairs\n",
			tn.Route, tn.Job.ID, tn.Trigger, tn.Model, tn.Stage, tn.Pairs)
	}
	if ps := Check(*rep); len(ps) > 0 {
		fmt.Fprintf(out, "  VERIFICATION FAILED:\n    %s\n", strings.Join(ps, "\n    "))
	} else {
		fmt.Fprintln(out, "  verified: stages as expected, no application request failed, every call captured once, dashboard figures = simulator ground truth")
	}
}

func shadowCalls(s sim.Stats) int64 {
	var n int64
	for _, m := range s.Models {
		n += m.Calls
	}
	return n
}

func byModel(m map[string]int) string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, k := range names {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

// candName drops the version when the model name already ends with it
// (trained candidates are named {route}-{version}).
func candName(key string) string {
	model, version, _ := strings.Cut(key, "@")
	if strings.HasSuffix(model, "-"+version) {
		return model
	}
	return key
}
