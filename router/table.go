package router

import (
	"fmt"

	"github.com/fledgling-ai/fledgling/internal/config"
)

// Table is the compiled, immutable routing configuration plus the promotion
// state it was compiled with. Decide never allocates: every slice a Decision
// carries is precompiled here and shared, capped so that an append by the
// caller copies instead of writing into the table.
type Table struct {
	cfg      *config.Config
	opts     Options
	routes   []compiledRoute
	byModel  map[string][]int32 // routes whose match lists the model
	anyModel []int32            // routes matching any model ("*" or no models)
	models   map[string]config.Model
}

// Options are the inputs of a compile besides the config.
type Options struct {
	// State is the promotion state; routes without one are in shadow.
	State State
	// Scorers are the learned policies by route name.
	Scorers map[string]Scorer
}

// Compile builds a Table from a validated config with every candidate in shadow.
func Compile(cfg *config.Config) (*Table, error) { return CompileWith(cfg, Options{}) }

// CompileWith builds a Table from a validated config, promotion state and scorers.
func CompileWith(cfg *config.Config, o Options) (*Table, error) {
	t := &Table{cfg: cfg, opts: o, models: cfg.Models, byModel: map[string][]int32{}}
	for i := range cfg.Routes {
		r, err := compileRoute(cfg, &cfg.Routes[i], o)
		if err != nil {
			return nil, err
		}
		t.routes = append(t.routes, r)
		t.index(int32(i), cfg.Routes[i].Match.Models)
	}
	return t, nil
}

// WithState recompiles the table's config and scorers with a new promotion state.
func (t *Table) WithState(s State) (*Table, error) {
	o := t.opts
	o.State = s
	return CompileWith(t.cfg, o)
}

// State is the promotion state the table was compiled with.
func (t *Table) State() State { return t.opts.State }

// Config is the config the table was compiled from.
func (t *Table) Config() *config.Config { return t.cfg }

func (t *Table) index(i int32, models []string) {
	if len(models) == 0 || contains(models, "*") {
		t.anyModel = append(t.anyModel, i)
		return
	}
	for _, m := range models {
		if l := t.byModel[m]; len(l) == 0 || l[len(l)-1] != i {
			t.byModel[m] = append(l, i)
		}
	}
}

// Decide picks the route for req: the first matching route in config order.
func (t *Table) Decide(req *Request) (Decision, error) {
	a, b := t.byModel[req.Model], t.anyModel
	for len(a) > 0 || len(b) > 0 {
		var i int32
		if len(b) == 0 || (len(a) > 0 && a[0] < b[0]) {
			i, a = a[0], a[1:]
		} else {
			i, b = b[0], b[1:]
		}
		if r := &t.routes[i]; r.matches(req) {
			return r.decide(req), nil
		}
	}
	if _, ok := t.models[req.Model]; ok || (req.Model != "" && t.hasStar()) {
		return Decision{Primary: req.Model, Targets: []Target{{Model: req.Model}}}, nil
	}
	return Decision{}, ErrUnknownModel
}

func (t *Table) hasStar() bool { _, ok := t.models["*"]; return ok }

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// errCompile wraps a route that cannot be compiled.
func errCompile(route, format string, args ...any) error {
	return fmt.Errorf("compile route %q: %s", route, fmt.Sprintf(format, args...))
}

// Options are the state and scorers the table was compiled with, so a
// recompile (config reload) can keep them.
func (t *Table) Options() Options { return t.opts }
