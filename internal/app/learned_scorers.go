package app

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/fledgling-ai/fledgling/internal/config"
	"github.com/fledgling-ai/fledgling/internal/onnx"
	"github.com/fledgling-ai/fledgling/router"
)

// learnedScorers holds the ONNX scorers of the routes with `policy: learned`
// for the running config. Every table compile (start, reload, overlay,
// promotion state change) takes its scorers from here, so a recompile never
// drops them or keeps closed ones; a reload opens the new config's scorers,
// swaps them in with the table, then closes the old ones (Close waits for
// in-flight scores; later ones fail and keep the primary).
type learnedScorers struct {
	mu  sync.Mutex
	cur map[string]*onnx.Scorer
}

// checkLearned reports, as config problems, a learned route that cannot be
// served (no cgo, no ONNX Runtime, a bad model). Nil when no route uses the
// policy: the rest of the gateway never needs ONNX Runtime.
func checkLearned(cfg *config.Config) error {
	if ps := onnx.Check(cfg); len(ps) > 0 {
		return ps
	}
	return nil
}

// openLearned checks cfg and opens its scorers (empty without learned routes).
func openLearned(cfg *config.Config) (map[string]*onnx.Scorer, error) {
	if err := checkLearned(cfg); err != nil {
		return nil, fmt.Errorf("learned routing: %w", err)
	}
	m, err := onnx.OpenRoutes(cfg, onnx.Options{Sessions: cfg.Learned.Sessions})
	if err != nil {
		return nil, fmt.Errorf("learned routing: %w", err)
	}
	return m, nil
}

// current is the running scorers as router.Options.Scorers.
func (l *learnedScorers) current() map[string]router.Scorer {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return asRouterScorers(l.cur)
}

// swap installs next and returns the previous scorers (to close once the
// table using next is in place).
func (l *learnedScorers) swap(next map[string]*onnx.Scorer) map[string]*onnx.Scorer {
	l.mu.Lock()
	defer l.mu.Unlock()
	old := l.cur
	l.cur = next
	return old
}

func asRouterScorers(m map[string]*onnx.Scorer) map[string]router.Scorer {
	out := make(map[string]router.Scorer, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func closeScorers(m map[string]*onnx.Scorer) error {
	var errs []error
	for _, s := range m {
		errs = append(errs, s.Close())
	}
	return errors.Join(errs...)
}

// compileLearned opens cfg's scorers and compiles a stateless table with
// them; the caller installs them with swapLearned right before swapping the
// table in, or closes them with closeScorers when it gives up.
func compileLearned(cfg *config.Config) (*router.Table, map[string]*onnx.Scorer, error) {
	next, err := openLearned(cfg)
	if err != nil {
		return nil, nil, err
	}
	table, err := router.CompileWith(cfg, router.Options{Scorers: asRouterScorers(next)})
	if err != nil {
		closeScorers(next)
		return nil, nil, err
	}
	return table, next, nil
}

// swapLearned makes next the running scorers and returns the previous ones.
func (s *services) swapLearned(next map[string]*onnx.Scorer) map[string]*onnx.Scorer {
	if s.learned == nil {
		s.learned = &learnedScorers{}
	}
	return s.learned.swap(next)
}

// buildLearned opens the scorers at start; they close at shutdown.
func (s *services) buildLearned() (*router.Table, error) {
	table, next, err := compileLearned(s.cfg)
	if err != nil {
		return nil, err
	}
	s.swapLearned(next)
	s.onClose(func(context.Context) error { return closeScorers(s.swapLearned(nil)) })
	return table, nil
}
