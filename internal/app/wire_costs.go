package app

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/fledgling-ai/fledgling/costs"
	"github.com/fledgling-ai/fledgling/internal/capture"
	"github.com/fledgling-ai/fledgling/internal/config"
	"github.com/fledgling-ai/fledgling/internal/dashboard"
)

// hookAdder is the capture writer's hook registration.
type hookAdder interface {
	AddHook(capture.BatchHook)
}

// buildCosts builds the pricer (s.pricer), the cost rollups maintained by
// the capture writer's batch hook, and the cost dashboard (JSON on s.admin,
// page on s.public); a config reload swaps prices and routes atomically.
func (s *services) buildCosts(ctx context.Context) error {
	pricer, err := costs.NewPricer(s.cfg)
	if err != nil {
		return fmt.Errorf("costs: %w", err)
	}
	s.pricer = pricer
	rollups, err := costs.OpenRollups(ctx, s.db)
	if err != nil {
		return err
	}
	if w, ok := s.recorder.(hookAdder); ok {
		w.AddHook(rollups)
	} else {
		s.log.Warn("the capture recorder takes no batch hooks: cost rollups and the dashboard will stay empty")
	}
	dash := dashboard.New(rollups, dashboard.Options{Routes: routeInfos(s.cfg), CatalogueDate: pricer.Catalogue().Date, Log: s.log})
	var cfg atomic.Pointer[config.Config]
	cfg.Store(s.cfg)
	if cands, hist, err := s.dashboardSources(ctx, &cfg); err != nil {
		s.log.Warn("dashboard: candidates and promotion history unavailable", "error", err)
	} else {
		dash.SetSources(cands, hist)
	}
	dash.Register(s.admin, s.public)
	s.log.Info("costs ready", "catalogue", pricer.Catalogue().Sources, "models_in_catalogue", len(pricer.Catalogue().Names()))
	s.onReload(func(c *config.Config) error {
		if err := pricer.Reload(c); err != nil {
			return fmt.Errorf("costs: %w", err)
		}
		dash.SetRoutes(routeInfos(c), pricer.Catalogue().Date)
		cfg.Store(c)
		return nil
	})
	return nil
}

func routeInfos(cfg *config.Config) []dashboard.RouteInfo {
	out := make([]dashboard.RouteInfo, len(cfg.Routes))
	for i, r := range cfg.Routes {
		out[i] = dashboard.RouteInfo{Name: r.Name, Primary: r.Primary}
	}
	return out
}
