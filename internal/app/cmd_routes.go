package app

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/fledgling-ai/fledgling/internal/config"
	"github.com/fledgling-ai/fledgling/internal/store"
	"github.com/fledgling-ai/fledgling/shadow"
)

func init() {
	register("routes show", "show a route's candidates with shadow evidence: routes show ROUTE --config FILE [--json]", runRoutesShow)
}

// runRoutesShow reads the shadow store named by the config directly (no
// running gateway needed) and prints each candidate's evidence.
func runRoutesShow(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("routes show", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "configs/fledgling.yaml", "config file")
	asJSON := fs.Bool("json", false, "print the JSON of GET /admin/v1/routes/{route}/candidates")
	route := ""
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		route, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if route == "" && fs.NArg() > 0 {
		route = fs.Arg(0)
	}
	if route == "" {
		fmt.Fprintln(stderr, "usage: fledgling routes show ROUTE --config FILE [--json]")
		return 2
	}
	v, err := loadRouteView(ctx, *path, route)
	if err != nil {
		fmt.Fprintf(stderr, "routes show: %v\n", err)
		return 1
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(v)
		return 0
	}
	printRouteView(stdout, v)
	return 0
}

func loadRouteView(ctx context.Context, path, route string) (shadow.RouteView, error) {
	cfg, err := config.Load(path)
	if err != nil {
		return shadow.RouteView{}, err
	}
	configured, known := configuredCandidates(cfg)[route]
	db, err := store.Open(ctx, cfg.Storage.DSN)
	if err != nil {
		return shadow.RouteView{}, err
	}
	defer db.Close()
	st, err := shadow.NewStore(ctx, db, cfg.Shadow.Alpha)
	if err != nil {
		return shadow.RouteView{}, err
	}
	v, err := st.RouteView(ctx, route, configured, cfg.Shadow.RollingWindow, time.Now())
	if err == nil && !known && len(v.Candidates) == 0 {
		err = fmt.Errorf("route %q is not in %s and has no shadow pairs", route, path)
	}
	return v, err
}

func printRouteView(w io.Writer, v shadow.RouteView) {
	fmt.Fprintf(w, "route %s — intervals at %.0f%%: Wilson (one look) and anytime-valid (safe to watch continuously)\n", v.Route, 100*(1-v.Alpha))
	if len(v.Candidates) == 0 {
		fmt.Fprintln(w, "  no candidates")
	}
	for _, c := range v.Candidates {
		state := "not in config"
		if c.Configured {
			state = fmt.Sprintf("sample rate %.2f", c.SampleRate)
		}
		fmt.Fprintf(w, "\ncandidate %s@%s (%s)\n", c.Model, c.Version, state)
		tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  window\tpairs\tcand err\tprim err\tcand p95\tprim p95\tcost ratio\tjudge $")
		for _, e := range []struct {
			name string
			ev   shadow.Evidence
		}{{"since appeared", c.All}, {"rolling " + v.RollingWindow, c.Rolling}} {
			ratio := "n/a" // no pair priced on both sides
			if e.ev.CostRatio > 0 {
				ratio = fmt.Sprintf("%.3f", e.ev.CostRatio)
			}
			fmt.Fprintf(tw, "  %s\t%d\t%.1f%%\t%.1f%%\t%s\t%s\t%s\t%.4f\n", e.name, e.ev.Pairs, 100*e.ev.CandidateErrorRate, 100*e.ev.PrimaryErrorRate,
				e.ev.CandidateP95.Round(time.Millisecond), e.ev.PrimaryP95.Round(time.Millisecond), ratio, float64(e.ev.JudgeCostMicros)/1e6)
		}
		tw.Flush()
		printEvaluators(w, c)
	}
}

func printEvaluators(w io.Writer, c shadow.CandidateView) {
	if len(c.All.Evaluators) == 0 {
		return
	}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  evaluator\twindow\tn\tpass rate\tWilson\tanytime\tmean score")
	for _, name := range sortedNames(c.All.Evaluators) {
		for _, win := range []struct {
			label string
			ev    shadow.Evidence
		}{{"all", c.All}, {"rolling", c.Rolling}} {
			s := win.ev.Evaluators[name]
			fmt.Fprintf(tw, "  %s\t%s\t%d\t%.3f\t[%.3f, %.3f]\t[%.3f, %.3f]\t%.3f\n", name, win.label, s.N, s.PassRate,
				s.WilsonLo, s.WilsonHi, s.AnytimeLo, s.AnytimeHi, s.MeanScore)
		}
	}
	tw.Flush()
}

func sortedNames(m map[string]shadow.Stat) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}
