package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/fledgling-ai/fledgling/internal/app"
	"github.com/fledgling-ai/fledgling/internal/capture"
	"github.com/fledgling-ai/fledgling/internal/dashboard"
	"github.com/fledgling-ai/fledgling/internal/sim"
	"github.com/fledgling-ai/fledgling/trainer"
)

// Report is everything a run observed, for the summary and the test.
type Report struct {
	URL        string
	ConfigPath string
	// Stages per route: every candidate version's stage labels in order
	// (from the promotion history), keyed "model@version".
	Stages map[string]map[string][]string
	// Results are every simulated application request.
	Results []sim.Result
	// Live is the simulator's ground truth of the calls that served the
	// application; Shadow of the gateway's shadow replays.
	Live, Shadow sim.Stats
	Costs        dashboard.Report
	Captures     []*capture.Record
	// Training is one entry per retrained route; TrainingSkipped says why
	// there is none.
	Training        []Training
	TrainingSkipped string
	Took            time.Duration
	// Steps is the number of canary steps configured; TrainedPromoted says
	// whether the run waited for the trained candidate's promotion.
	Steps           int
	TrainedPromoted bool
}

// Training is one route's retraining.
type Training struct {
	Route   string
	Job     trainer.Job
	Trigger string
	Model   string // the new candidate's public model
	Version string
	Stage   string
	Pairs   int64 // shadow pairs it collected
}

// Run runs the closed loop once. With KeepServing it then keeps the gateway
// up until ctx ends.
func Run(ctx context.Context, o Options) (Report, error) {
	start := time.Now()
	o = o.withDefaults()
	t := o.timing()
	var rep Report
	if o.Dir == "" {
		dir, err := os.MkdirTemp("", "fledgling-demo-")
		if err != nil {
			return rep, err
		}
		defer os.RemoveAll(dir)
		o.Dir = dir
	}
	s, err := startSimulator(o.Logger)
	if err != nil {
		return rep, err
	}
	defer s.close()
	recipe, why := findRecipe(o.Recipe)
	cfg, err := writeConfig(o.Dir, o.Listen, s.url, recipe, t)
	if err != nil {
		return rep, fmt.Errorf("demo config: %w", err)
	}
	gwCtx, stopGateway := context.WithCancel(context.WithoutCancel(ctx))
	h, err := app.Start(gwCtx, cfg, o.Logger)
	if err != nil {
		stopGateway()
		return rep, err
	}
	defer func() { stopGateway(); _ = h.Wait() }()
	rep.URL, rep.ConfigPath = h.URL(), cfg.Path
	rep.Steps, rep.TrainedPromoted = len(t.steps), t.promoteTrained
	r := &runner{o: o, t: t, sim: s, admin: newAdmin(h.URL()), p: &printer{start: start, out: o.Out, live: o.Live}, start: start, seen: map[string]int{}}
	r.intro(h.URL(), cfg.Path, recipe, why)
	err = r.loop(ctx, recipe, why, &rep)
	rep.Took = time.Since(start)
	if err != nil {
		return rep, err
	}
	r.summary(&rep)
	if o.KeepServing {
		fmt.Fprintf(o.Out, "\nDashboard: %s/dashboard   (the gateway stays up; Ctrl-C to stop)\n", h.URL())
		<-ctx.Done()
	}
	return rep, nil
}

func (o Options) withDefaults() Options {
	if o.Out == nil {
		o.Out = io.Discard
	}
	if o.Listen == "" {
		o.Listen = "127.0.0.1:0"
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return o
}

// runner carries one run's parts.
type runner struct {
	o       Options
	t       timing
	sim     *simulator
	admin   *admin
	traffic *traffic
	p       *printer
	start   time.Time
	seen    map[string]int // history entries printed per route
	last    snapshot
}

// loop runs the phases, then stops the traffic and collects the report.
func (r *runner) loop(ctx context.Context, recipe, why string, rep *Report) error {
	tr, err := startTraffic(ctx, r.admin.base, r.sim.live.Workload(), r.t)
	if err != nil {
		return err
	}
	r.traffic = tr
	defer tr.stop()
	for _, phase := range []func(context.Context) error{r.promote, r.regress} {
		if err := phase(ctx); err != nil {
			return err
		}
	}
	if recipe != "" {
		tn, err := r.train(ctx)
		rep.Training = tn
		if err != nil {
			return err
		}
	} else {
		rep.TrainingSkipped = why
	}
	tr.stop()
	return r.collect(ctx, rep)
}

// waitFor refreshes the progress every tick until done holds for a snapshot.
func (r *runner) waitFor(ctx context.Context, what string, timeout time.Duration, done func(snapshot) bool) error {
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(r.t.tick)
	defer tick.Stop()
	for {
		s, err := read(ctx, r.admin, r.traffic, r.start)
		if err != nil {
			return fmt.Errorf("demo: reading the gateway: %w", err)
		}
		r.events(ctx, s)
		r.p.show(s)
		r.last = s
		if done(s) {
			return nil
		}
		if time.Now().After(deadline) {
			r.p.clear()
			fmt.Fprintln(r.o.Out, joinLines(s.render()))
			return fmt.Errorf("demo: %s did not happen within %s", what, timeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// events prints the promotion transitions not printed yet, with their reasons.
func (r *runner) events(ctx context.Context, s snapshot) {
	for _, name := range routeNames() {
		trs, err := r.admin.history(ctx, name)
		if err != nil {
			continue
		}
		for i := len(trs) - 1 - r.seen[name]; i >= 0; i-- {
			tr := trs[i]
			from := tr.From
			if from == "" {
				from = "new"
			}
			r.p.event("%-9s %s@%s: %s → %s (%s; %s)", name, tr.Model, tr.Version, from, tr.To, tr.Reason, tr.Actor)
		}
		r.seen[name] = len(trs)
	}
}

var errNoRoute = errors.New("demo: route missing from the snapshot")

func (s snapshot) route(name string) (routeSnap, error) {
	for _, r := range s.routes {
		if r.name == name {
			return r, nil
		}
	}
	return routeSnap{}, errNoRoute
}

// stageOf is the stage label of a route's candidate model@version ("" when absent).
func (s snapshot) stageOf(route, model, version string) string {
	rs, err := s.route(route)
	if err != nil {
		return ""
	}
	for _, c := range rs.state.Candidates {
		if c.Model == model && c.Version == version {
			return label(c)
		}
	}
	return ""
}

func joinLines(ls []string) string {
	out := ""
	for _, l := range ls {
		out += l + "\n"
	}
	return out
}
