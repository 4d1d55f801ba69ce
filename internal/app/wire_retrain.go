package app

import (
	"context"
	"slices"
	"sync"

	"github.com/fledgling-ai/fledgling/promotion"
	"github.com/fledgling-ai/fledgling/router"
)

// wireRetrainOnRollback closes the loop's failure path: when a candidate is
// rolled back (its gate failed), the trainer is asked for a new version on
// fresh data. The trainer decides (cooldown, one active job per route); the
// promotion package never imports it.
func (s *services) wireRetrainOnRollback(ctx context.Context) error {
	if s.promotion == nil || s.trainer == nil || !s.cfg.Trainer.Enabled {
		return nil
	}
	detached := context.WithoutCancel(ctx)
	w := &rollbackWatcher{seen: map[string]string{}, routes: trainerRoutes(s.cfg)}
	w.observe(s.promotion.Current()) // stages at start are not new rollbacks
	s.promotion.OnChange(func(st promotion.State) {
		for _, route := range w.observe(st) {
			go func() {
				if _, err := s.trainer.GateFailed(detached, route); err != nil {
					s.log.Warn("retrain after rollback not queued", "route", route, "err", err)
				}
			}()
		}
	})
	return nil
}

// rollbackWatcher reports the routes with a candidate newly rolled back,
// among the routes the trainer triggers for (trainer.routes; nil: all).
type rollbackWatcher struct {
	mu     sync.Mutex
	seen   map[string]string // candidate key → last stage
	routes func() []string
}

func (w *rollbackWatcher) observe(st promotion.State) (routes []string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for key, c := range st.Candidates {
		prev, known := w.seen[key]
		w.seen[key] = c.Stage
		if known && prev != router.StageRolledBack && c.Stage == router.StageRolledBack && w.triggers(c.Route) {
			routes = append(routes, c.Route)
		}
	}
	return routes
}

func (w *rollbackWatcher) triggers(route string) bool {
	return w.routes == nil || slices.Contains(w.routes(), route)
}
