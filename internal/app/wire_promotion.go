package app

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel"

	"github.com/fledgling-ai/fledgling/internal/config"
	"github.com/fledgling-ai/fledgling/promotion"
	"github.com/fledgling-ai/fledgling/router"
	"github.com/fledgling-ai/fledgling/shadow"
)

// Promotion timing. The gate check interval is promotion_controller.interval
// (default 30 s: the gate needs minutes of evidence); the lease outlives a
// few missed renewals.
const (
	promotionLeaseTTL = 10 * time.Second
	promotionReread   = 5 * time.Second
)

// buildPromotion loads the promotion state (Redis when configured, else the
// store), keeps the router table compiled with it on every change and
// every config reload, runs the gate controller on the lease holder, and
// mounts the admin endpoints.
func (s *services) buildPromotion(ctx context.Context) error {
	ps, err := promotion.OpenStore(ctx, s.db)
	if err != nil {
		return err
	}
	var shared *promotion.Shared
	if s.cfg.Redis.Addr != "" {
		rdb := redis.NewClient(&redis.Options{Addr: s.cfg.Redis.Addr, Password: s.cfg.Redis.Password, DB: s.cfg.Redis.DB,
			DialTimeout: time.Second, ReadTimeout: time.Second, WriteTimeout: time.Second})
		s.onClose(func(context.Context) error { return rdb.Close() })
		shared = promotion.NewShared(rdb, s.cfg.Redis.Prefix)
	}
	m := promotion.NewManager(ps, shared, s.log, otel.GetTracerProvider())
	m.Reread = promotionReread
	s.promotion = m
	p := &promotionWiring{s: s, m: m, cfg: s.cfg}
	m.OnChange(p.apply)
	if s.registry != nil {
		metrics := promotion.NewMetrics(s.registry)
		m.Observe = metrics.Observe
		m.OnChange(metrics.State)
	}
	if err := m.Load(ctx); err != nil {
		return err
	}
	s.onReload(p.reload)
	src, err := s.promotionEvidence(ctx, p.config)
	if err != nil {
		return err
	}
	c := &promotion.Controller{M: m, Source: src, Config: p.config, Interval: s.cfg.PromotionController.Interval, Now: time.Now, Log: s.log}
	admin := &promotion.Admin{M: m, Config: p.config, Now: time.Now}
	if shared != nil {
		lease := promotion.NewLease(shared, replicaID(), promotionLeaseTTL, s.log)
		c.Token, admin.Leader = lease.Token, shared.Holder
		s.background(lease.Run)
		s.background(m.Follow)
	}
	s.background(c.Run)
	admin.Register(s.admin)
	return nil
}

// promotionWiring recompiles the router table with the promotion state.
type promotionWiring struct {
	s   *services
	m   *promotion.Manager
	mu  sync.Mutex // orders table swaps between state changes and reloads
	cfg *config.Config
}

func (p *promotionWiring) config() *config.Config {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cfg
}

// apply installs a table compiled from the current config and state st,
// keeping the table's scorers.
func (p *promotionWiring) apply(st promotion.State) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.swap(p.cfg, st); err != nil {
		p.s.log.Error("promotion: cannot compile the routing table with the new state; keeping the old", "err", err)
	}
}

// reload runs after the reload swapped in a stateless table: it re-applies
// the current state to the new config.
func (p *promotionWiring) reload(cfg *config.Config) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cfg = cfg
	return p.swap(cfg, p.m.Current())
}

func (p *promotionWiring) swap(cfg *config.Config, st promotion.State) error {
	o := p.s.router.Table().Options()
	o.State = st.Router(reverseRate(cfg))
	if p.s.learned != nil {
		o.Scorers = p.s.learned.current() // never a reload's closed ones
	}
	t, err := router.CompileWith(cfg, o)
	if err != nil {
		return fmt.Errorf("promotion: %w", err)
	}
	p.s.router.Swap(t)
	return nil
}

// reverseRate is each candidate's configured reverse-shadow rate.
func reverseRate(cfg *config.Config) func(c *promotion.Candidate) float64 {
	return func(c *promotion.Candidate) float64 {
		if cand := findCandidate(cfg, c.Route, c.Model, c.Version); cand != nil {
			return cand.Promotion.ReverseShadowRate
		}
		return 0
	}
}

func findCandidate(cfg *config.Config, route, model, version string) *config.Candidate {
	for i := range cfg.Routes {
		r := &cfg.Routes[i]
		for j := range r.Candidates {
			if c := &r.Candidates[j]; r.Name == route && c.Model == model && c.Version == version {
				return c
			}
		}
	}
	return nil
}

// replicaID names this process in the lease.
func replicaID() string {
	host, _ := os.Hostname()
	return host + "-" + strconv.Itoa(os.Getpid()) + "-" + strconv.FormatInt(time.Now().UnixNano()%1e6, 36)
}

// promotionEvidence adapts the shadow store (paired verdicts, errors,
// latency, costs) plus the candidate serving counter to the gate's evidence.
func (s *services) promotionEvidence(ctx context.Context, cfg func() *config.Config) (promotion.EvidenceSource, error) {
	sh, err := shadow.NewStore(ctx, s.db, s.cfg.Shadow.Alpha)
	if err != nil {
		return nil, err
	}
	sc, err := promotion.OpenServingCounter(ctx, s.db)
	if err != nil {
		return nil, err
	}
	if w, ok := s.recorder.(hookAdder); ok {
		w.AddHook(sc)
	} else {
		s.log.Warn("the capture recorder takes no batch hooks: candidate serving failures will not count in the gate")
	}
	return &evidenceAdapter{shadow: sh, serving: sc, cfg: cfg}, nil
}
