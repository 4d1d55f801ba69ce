package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/fledgling-ai/fledgling/gateway"
	"github.com/fledgling-ai/fledgling/internal/config"
	"github.com/fledgling-ai/fledgling/internal/gctune"
	"github.com/fledgling-ai/fledgling/internal/store"
	"github.com/fledgling-ai/fledgling/router"
)

// Handle is a running gateway started by Start.
type Handle struct {
	// Addr is the bound listen address (host:port), useful with port 0.
	Addr   string
	s      *services
	done   chan struct{}
	err    error
	reload chan struct{}
}

// URL is the gateway's base URL, e.g. http://127.0.0.1:8080.
func (h *Handle) URL() string { return "http://" + h.Addr }

// Wait blocks until the gateway stopped (its ctx ended and it drained) and
// returns the first shutdown error.
func (h *Handle) Wait() error { <-h.done; return h.err }

// Reload re-reads the config file now (as SIGHUP does).
func (h *Handle) Reload() { h.reload <- struct{}{} }

// Start builds every service for a validated cfg, binds the listener and
// serves until ctx ends; then it stops accepting, lets in-flight requests
// and streams finish (bounded by server.shutdown_timeout) and closes the
// services. It returns once the listener is bound.
func Start(ctx context.Context, cfg *config.Config, log *slog.Logger) (*Handle, error) {
	s := &services{cfg: cfg, log: log}
	if err := s.build(ctx); err != nil {
		_ = s.close(context.WithoutCancel(ctx))
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.Server.Listen)
	if err != nil {
		_ = s.close(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("listen %s: %w", cfg.Server.Listen, err)
	}
	h := &Handle{Addr: ln.Addr().String(), s: s, done: make(chan struct{}), reload: make(chan struct{}, 1)}
	srv := &http.Server{Handler: s.gateway, ReadHeaderTimeout: 30 * time.Second, IdleTimeout: 120 * time.Second}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	loopCtx, stopLoops := context.WithCancel(context.WithoutCancel(ctx))
	for _, loop := range s.loops {
		go runLoop(loopCtx, log, loop)
	}
	reloadDone := make(chan struct{})
	go func() { defer close(reloadDone); s.reloadLoop(loopCtx, h.reload) }()
	log.Info("fledgling listening", "addr", h.Addr, "config", cfg.Path)
	go func() {
		defer close(h.done)
		select {
		case <-ctx.Done():
		case err := <-serveErr:
			h.err = err
		}
		stopLoops()
		<-reloadDone // a reload in progress finishes before shutdown reads the config
		if err := s.shutdown(srv); err != nil && h.err == nil {
			h.err = err
		}
	}()
	return h, nil
}

// build creates the services in dependency order.
func (s *services) build(ctx context.Context) error {
	if t := gctune.Start(s.cfg.Server.GCHeapFloor()); t != nil {
		s.log.Info("gc heap floor", "mib", t.Floor()>>20, "gogc", t.Percent())
		s.onClose(func(context.Context) error { t.Stop(); return nil })
	}
	db, err := store.Open(ctx, s.cfg.Storage.DSN)
	if err != nil {
		return err
	}
	s.db = db
	s.onClose(func(context.Context) error { return db.Close() })
	s.registry = prometheus.NewRegistry()
	table, err := s.buildLearned() // router.Compile plus the learned routes' ONNX scorers
	if err != nil {
		return fmt.Errorf("compile routes: %w", err)
	}
	s.router = router.New(table)
	s.admin, s.public = http.NewServeMux(), http.NewServeMux()
	for _, b := range []func(context.Context) error{s.buildTelemetry, s.buildCapture, s.buildCosts, s.buildShadow, s.buildPromotion, s.buildTrainer, s.wireCandidateOverlay, s.wireRetrainOnRollback} {
		if err := b(ctx); err != nil {
			return err
		}
	}
	s.gateway, err = gateway.New(gateway.Options{
		Config: s.cfg, Router: s.router, Telemetry: s.telemetry, Recorder: s.recorder, Tee: s.tee,
		Pricer: s.pricer, Redactor: s.redactor, Breakers: s.breakerObserver(), Admin: s.admin, Public: s.public, Registry: s.registry, Logger: s.log,
	})
	if err != nil {
		return err
	}
	return s.restoreTrainedCandidates(ctx)
}

// shutdown drains: /readyz fails, the listener closes, in-flight requests
// and streams get server.shutdown_timeout to finish, records are handed
// off, then the services close in reverse order.
func (s *services) shutdown(srv *http.Server) error {
	s.gateway.SetDraining(true)
	s.log.Info("draining", "timeout", s.cfg.Server.ShutdownTimeout)
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.Server.ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		s.log.Warn("shutdown timeout: closing remaining connections")
		err = srv.Close()
	}
	_ = s.gateway.Wait(ctx)
	closeCtx, cancelClose := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancelClose()
	if cerr := s.close(closeCtx); cerr != nil && err == nil {
		err = cerr
	}
	s.log.Info("stopped")
	return err
}

// runLoop runs a background loop, logging (not crashing on) a panic.
func runLoop(ctx context.Context, log *slog.Logger, loop func(context.Context)) {
	defer func() {
		if v := recover(); v != nil {
			log.Error("background loop panicked", "panic", v)
		}
	}()
	loop(ctx)
}

// breakerObserver is the metrics struct when metrics are on (a nil
// *telemetry.Metrics must not become a non-nil interface).
func (s *services) breakerObserver() gateway.BreakerObserver {
	if s.metrics == nil {
		return nil
	}
	return s.metrics
}
