package demo

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/fledgling-ai/fledgling/internal/dashboard"
	"github.com/fledgling-ai/fledgling/promotion"
	"github.com/fledgling-ai/fledgling/shadow"
)

// snapshot is what one progress refresh read from the gateway.
type snapshot struct {
	at     time.Duration
	sent   int
	failed int
	routes []routeSnap
	costs  dashboard.Report
}

type routeSnap struct {
	name  string
	state promotion.StateView
	view  shadow.RouteView
}

// stage is the label of the candidate that matters on a route: the one
// serving, else the newest in shadow, else the newest.
func (r routeSnap) current() *promotion.Candidate {
	var best *promotion.Candidate
	for _, c := range r.state.Candidates {
		switch {
		case best == nil:
			best = c
		case c.Share > 0 && best.Share == 0:
			best = c
		case c.Share == best.Share && c.StageAt.After(best.StageAt):
			best = c
		}
	}
	return best
}

func label(c *promotion.Candidate) string {
	if c == nil {
		return "-"
	}
	if c.Stage == "canary" {
		return fmt.Sprintf("canary-%d", c.Step)
	}
	return c.Stage
}

func (r routeSnap) pairs() int64 {
	var n int64
	for _, c := range r.view.Candidates {
		n += c.All.Pairs
	}
	return n
}

func (r routeSnap) evidence(model, version string) *shadow.CandidateView {
	for i := range r.view.Candidates {
		if c := &r.view.Candidates[i]; c.Model == model && c.Version == version {
			return c
		}
	}
	return nil
}

// read takes a snapshot.
func read(ctx context.Context, a *admin, tr *traffic, start time.Time) (snapshot, error) {
	s := snapshot{at: time.Since(start).Round(time.Second)}
	s.sent, s.failed = tr.counts()
	for _, name := range routeNames() {
		rs := routeSnap{name: name}
		var err error
		if rs.state, err = a.state(ctx, name); err != nil {
			return s, err
		}
		if rs.view, err = a.candidates(ctx, name); err != nil {
			return s, err
		}
		s.routes = append(s.routes, rs)
	}
	var err error
	s.costs, err = a.costs(ctx)
	return s, err
}

func routeNames() []string { return append(append([]string{}, GoodTasks...), BadTask) }

// render formats a snapshot as a block of lines.
func (s snapshot) render() []string {
	var pairs int64
	for _, r := range s.routes {
		pairs += r.pairs()
	}
	t := s.costs.Totals
	lines := []string{fmt.Sprintf("[%4s] requests %d (failed %d) · shadow pairs %d · spend %s · at sim-large prices %s · saved %s (%s) · shadow overhead %s",
		s.at, s.sent, s.failed, pairs, usd(t.SpendMicros), usd(t.CounterfactualMicros), usd(t.RealizedSavingsMicros),
		pct(t.RealizedSavingsMicros, t.CounterfactualMicros), usd(t.ShadowOverheadMicros))}
	for _, r := range s.routes {
		lines = append(lines, r.render())
	}
	return lines
}

func (r routeSnap) render() string {
	c := r.current()
	if c == nil {
		return fmt.Sprintf("  %-9s (no candidate yet)", r.name)
	}
	ev := r.evidence(c.Model, c.Version)
	var bounds []string
	if ev != nil {
		names := make([]string, 0, len(ev.All.Evaluators))
		for n := range ev.All.Evaluators {
			if !strings.Contains(n, ".") {
				names = append(names, n)
			}
		}
		sort.Strings(names)
		for _, n := range names {
			st := ev.All.Evaluators[n]
			bounds = append(bounds, fmt.Sprintf("%s n=%d pass %.3f [%.3f, %.3f]", n, st.N, st.PassRate, st.AnytimeLo, st.AnytimeHi))
		}
	}
	return fmt.Sprintf("  %-9s %-22s %-12s %3.0f%% to candidate · %s", r.name, shortModel(c.Model)+"@"+shortVersion(c.Version),
		label(c), c.Share*100, strings.Join(bounds, " · "))
}

func shortModel(m string) string {
	if len(m) > 12 {
		return m[:12] + "…"
	}
	return m
}

func shortVersion(v string) string {
	if len(v) > 8 {
		return "…" + v[len(v)-6:]
	}
	return v
}

func usd(micros int64) string { return fmt.Sprintf("$%.4f", float64(micros)/1e6) }

func pct(a, b int64) string {
	if b == 0 {
		return "0%"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(a)/float64(b))
}

// printer writes snapshots: redrawn in place on a terminal, else every
// few refreshes; events are printed above the block.
type printer struct {
	start time.Time
	out   io.Writer
	live  bool
	drawn int
	ticks int
}

func (p *printer) event(format string, args ...any) {
	p.clear()
	fmt.Fprintf(p.out, "» [%4s] "+format+"\n", append([]any{time.Since(p.start).Round(time.Second)}, args...)...)
}

func (p *printer) show(s snapshot) {
	lines := s.render()
	p.ticks++
	if !p.live {
		if p.ticks%5 == 1 {
			fmt.Fprintln(p.out, strings.Join(lines, "\n"))
		}
		return
	}
	p.clear()
	// Autowrap off while drawing: a line wider than the terminal is clipped
	// instead of wrapped, so the block is always len(lines) rows to redraw.
	fmt.Fprint(p.out, "\x1b[?7l"+strings.Join(lines, "\n")+"\n\x1b[?7h")
	p.drawn = len(lines)
}

// clear removes the live block so the next output replaces it.
func (p *printer) clear() {
	if p.live && p.drawn > 0 {
		fmt.Fprintf(p.out, "\x1b[%dA\x1b[J", p.drawn)
		p.drawn = 0
	}
}
