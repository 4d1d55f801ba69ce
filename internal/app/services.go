package app

import (
	"context"
	"log/slog"
	"net/http"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/fledgling-ai/fledgling/gateway"
	"github.com/fledgling-ai/fledgling/internal/capture"
	"github.com/fledgling-ai/fledgling/internal/config"
	"github.com/fledgling-ai/fledgling/internal/store"
	"github.com/fledgling-ai/fledgling/internal/telemetry"
	"github.com/fledgling-ai/fledgling/promotion"
	"github.com/fledgling-ai/fledgling/router"
	"github.com/fledgling-ai/fledgling/trainer"
)

// services is everything serve builds, in the order it builds it. Each
// component's wire_*.go fills its own fields; a nil optional collaborator is
// skipped by the gateway.
type services struct {
	cfg      *config.Config
	log      *slog.Logger
	registry *prometheus.Registry
	db       *store.DB
	router   *router.Router

	telemetry gateway.Telemetry
	recorder  gateway.Recorder
	tee       gateway.Tee
	pricer    gateway.Pricer
	// redactor, when set, cleans records before telemetry and capture see them.
	redactor gateway.Redactor
	// metrics is the shared metrics struct (GenAI histograms, gateway
	// counters, breaker state, background queue depth/drops); built by
	// buildTelemetry, nil-safe.
	metrics *telemetry.Metrics
	// captures is the capture store's read side (Query, Get, Scan).
	captures *capture.Store
	// gateway is the HTTP proxy, built after every component.
	gateway *gateway.Server

	// trainer queues training jobs; promotion may call trainer.GateFailed(ctx, route)
	// when a candidate fails its gate. Nil until buildTrainer ran.
	trainer *trainer.Service
	// promotion owns the routes' promotion state (set by buildPromotion).
	promotion *promotion.Manager
	// candidateHooks run after the trainer registered a new candidate (see
	// onCandidate): the place to add it to the router/shadow overlay.
	candidateHooks []func(ctx context.Context, c trainer.NewCandidate) error
	// overlay holds trained candidates laid over every config (candidate_overlay.go).
	overlay *candidateOverlay
	// learned holds the ONNX scorers of learned routes (learned_scorers.go).
	learned *learnedScorers
	// reloadMu orders config swaps (file reloads, overlay changes).
	reloadMu sync.Mutex

	// admin serves /admin/v1/* and /v1/dashboard/* behind admin auth;
	// public serves pages that need no key (e.g. /dashboard's static page).
	// Components register with Go 1.22 patterns, e.g. "GET /admin/v1/captures".
	admin  *http.ServeMux
	public *http.ServeMux

	// reloaders get each new valid config after a reload.
	reloaders []func(*config.Config) error
	// background loops started after the listener is up; they stop with ctx.
	loops []func(ctx context.Context)
	// closers run in reverse order at shutdown (flush capture queues, exporters…).
	closers []func(ctx context.Context) error
}

func (s *services) onClose(f func(ctx context.Context) error) { s.closers = append(s.closers, f) }
func (s *services) onReload(f func(*config.Config) error)     { s.reloaders = append(s.reloaders, f) }
func (s *services) background(f func(ctx context.Context))    { s.loops = append(s.loops, f) }

// onCandidate registers a hook run for each candidate the trainer produces.
func (s *services) onCandidate(f func(ctx context.Context, c trainer.NewCandidate) error) {
	s.candidateHooks = append(s.candidateHooks, f)
}

// close runs closers in reverse order and returns the first error.
func (s *services) close(ctx context.Context) error {
	var first error
	for i := len(s.closers) - 1; i >= 0; i-- {
		if err := s.closers[i](ctx); err != nil && first == nil {
			first = err
		}
	}
	return first
}
