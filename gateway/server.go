// Package gateway is Fledgling's synchronous path: an OpenAI-compatible HTTP
// proxy that an unmodified app reaches by changing only its base URL. It
// authenticates the caller, asks the router where the request goes, calls
// the upstream through internal/provider with retries, fallbacks and circuit
// breakers, relays the answer byte for byte (flushing every SSE event), and
// then — off the response path — hands one complete capture.Record to its
// collaborators (telemetry, capture, shadow), which it sees only through the
// small interfaces in deps.go.
package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/fledgling-ai/fledgling/internal/capture"
	"github.com/fledgling-ai/fledgling/internal/config"
	"github.com/fledgling-ai/fledgling/internal/provider"
)

func init() { gin.SetMode(gin.ReleaseMode) }

// Options are the gateway's config and collaborators. Router and Config are
// required; every other collaborator is optional (nil is skipped).
type Options struct {
	Config    *config.Config
	Router    Router
	Telemetry Telemetry
	Recorder  Recorder
	Tee       Tee
	Pricer    Pricer
	Redactor  Redactor
	// Breakers, when set, is told every breaker state change.
	Breakers BreakerObserver
	// Admin serves /admin/ and /v1/dashboard/ behind admin auth.
	Admin http.Handler
	// Public serves /dashboard without auth.
	Public http.Handler
	// Registry is served at /metrics.
	Registry *prometheus.Registry
	Logger   *slog.Logger
}

// Server is the gateway's HTTP handler.
type Server struct {
	o        Options
	log      *slog.Logger
	rt       atomic.Pointer[runtime]
	engine   *gin.Engine
	breakers sync.Map       // public model name → *provider.Breaker
	inflight sync.WaitGroup // calls handing off their record (finish)
	draining atomic.Bool
	started  time.Time
}

// New builds the gateway for a validated config.
func New(o Options) (*Server, error) {
	if o.Config == nil || o.Router == nil {
		return nil, errors.New("gateway: Config and Router are required")
	}
	s := &Server{o: o, log: o.Logger, started: time.Now()}
	if s.log == nil {
		s.log = slog.Default()
	}
	if err := s.SetConfig(o.Config); err != nil {
		return nil, err
	}
	s.engine = s.routes()
	return s, nil
}

// SetConfig compiles cfg and swaps it in atomically; on error the running
// config stays. Requests in flight finish with the config they started with.
func (s *Server) SetConfig(cfg *config.Config) error {
	rt, err := compileRuntime(cfg, s.rt.Load())
	if err != nil {
		return fmt.Errorf("gateway config: %w", err)
	}
	s.rt.Store(rt)
	return nil
}

// SetDraining makes /readyz fail so load balancers stop sending traffic.
func (s *Server) SetDraining(on bool) { s.draining.Store(on) }

// Wait blocks until every finished call's record was handed off, or ctx ends.
func (s *Server) Wait(ctx context.Context) error {
	done := make(chan struct{})
	go func() { s.inflight.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.engine.ServeHTTP(w, r) }

func (s *Server) routes() *gin.Engine {
	e := gin.New()
	e.Use(s.base)
	e.POST("/v1/chat/completions", s.proxy(capture.KindChat, "/chat/completions"))
	e.POST("/v1/completions", s.proxy(capture.KindCompletion, "/completions"))
	e.POST("/v1/embeddings", s.proxy(capture.KindEmbedding, "/embeddings"))
	e.POST("/v1/responses", s.proxy(capture.KindResponses, "/responses"))
	e.GET("/v1/models", s.listModels)
	e.GET("/v1/models/*id", s.getModel)
	e.GET("/healthz", func(c *gin.Context) { c.String(200, "ok\n") })
	e.GET("/readyz", s.ready)
	if s.o.Registry != nil {
		e.GET("/metrics", gin.WrapH(promhttp.HandlerFor(s.o.Registry, promhttp.HandlerOpts{})))
	}
	if s.o.Admin != nil {
		admin := gin.WrapH(s.adminAuth(s.o.Admin))
		e.Any("/admin/*path", admin)
		e.Any("/v1/dashboard/*path", admin)
	}
	if s.o.Public != nil {
		e.Any("/dashboard", gin.WrapH(s.o.Public))
		e.Any("/dashboard/*path", gin.WrapH(s.o.Public))
	}
	e.NoRoute(s.passthrough) // other /v1 endpoints go upstream as they are
	return e
}

// base gives every response an x-request-id and turns a panic into an
// OpenAI-style 500 instead of a dropped connection.
func (s *Server) base(c *gin.Context) {
	id := NewRequestID()
	c.Set(requestIDKey, id)
	c.Writer.Header().Set("X-Request-Id", id)
	c.Writer.Header().Set("X-Fledgling-Request-Id", id)
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.Error("panic serving request", "request_id", id, "path", c.Request.URL.Path, "panic", v, "stack", string(debug.Stack()))
			if !c.Writer.Written() {
				writeError(c.Writer, fmt.Errorf("panic: %v", v))
			}
			c.Abort()
		}
	}()
	c.Next()
}

const requestIDKey = "fledgling.request_id"

func (s *Server) ready(c *gin.Context) {
	if s.draining.Load() {
		c.String(503, "draining\n")
		return
	}
	c.String(200, "ready\n")
}

func (s *Server) adminAuth(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.rt.Load().adminAllowed(r) {
			writeError(w, unauthorized("The admin API needs an admin key (auth.admin_keys)."))
			return
		}
		h.ServeHTTP(w, r)
	})
}

// writeError answers err in OpenAI's envelope with its mapped status.
func writeError(w http.ResponseWriter, err error) int {
	status, body, h := errorResponse(err)
	for k, v := range h {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
	return status
}

// breaker returns the circuit breaker of a public model name.
func (s *Server) breaker(model string) *provider.Breaker {
	if b, ok := s.breakers.Load(model); ok {
		return b.(*provider.Breaker)
	}
	b, _ := s.breakers.LoadOrStore(model, provider.NewBreaker())
	return b.(*provider.Breaker)
}
