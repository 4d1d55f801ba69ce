package dashboard

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/fledgling-ai/fledgling/internal/openai"
)

// Handler serves the dashboard's JSON endpoint and page.
type Handler struct {
	rollups RollupReader
	state   atomic.Pointer[state]
	log     *slog.Logger
	now     func() time.Time
}

// state is what a config reload or the app's later wiring may replace.
type state struct {
	candidates    CandidateSource
	history       HistorySource
	routes        []RouteInfo
	catalogueDate string
}

// Options configure a Handler. Candidates and History may be nil (the
// report then has no candidates or history); Now defaults to time.Now.
type Options struct {
	Candidates    CandidateSource
	History       HistorySource
	Routes        []RouteInfo
	CatalogueDate string
	Log           *slog.Logger
	Now           func() time.Time
}

// New returns a Handler over the rollups.
func New(rollups RollupReader, o Options) *Handler {
	h := &Handler{rollups: rollups, log: o.Log, now: o.Now}
	if h.log == nil {
		h.log = slog.Default()
	}
	if h.now == nil {
		h.now = time.Now
	}
	h.state.Store(&state{o.Candidates, o.History, o.Routes, o.CatalogueDate})
	return h
}

// SetRoutes replaces the configured routes and catalogue date (on reload).
func (h *Handler) SetRoutes(routes []RouteInfo, catalogueDate string) {
	s := *h.state.Load()
	s.routes, s.catalogueDate = routes, catalogueDate
	h.state.Store(&s)
}

// SetSources plugs in (or replaces) the candidate and history sources.
func (h *Handler) SetSources(c CandidateSource, hs HistorySource) {
	s := *h.state.Load()
	s.candidates, s.history = c, hs
	h.state.Store(&s)
}

// Register adds GET /v1/dashboard/costs to admin (behind admin auth) and the
// page with its assets to public.
func (h *Handler) Register(admin, public *http.ServeMux) {
	admin.HandleFunc("GET /v1/dashboard/costs", h.serveCosts)
	public.HandleFunc("GET /dashboard", servePage)
	public.Handle("GET /dashboard/assets/", assetHandler())
}

// queryTimeout bounds one report's database work.
const queryTimeout = 10 * time.Second

func (h *Handler) serveCosts(w http.ResponseWriter, r *http.Request) {
	p, err := parseParams(r.URL.Query(), h.now())
	if err != nil {
		param := ""
		if pe := (*paramError)(nil); errors.As(err, &pe) {
			param = pe.param
		}
		openai.WriteError(w, http.StatusBadRequest, err.Error(), param)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), queryTimeout)
	defer cancel()
	s := h.state.Load()
	b := builder{rollups: h.rollups, candidates: s.candidates, history: s.history, routes: s.routes, catalogue: s.catalogueDate}
	rep, err := b.build(ctx, p)
	if err != nil {
		h.log.ErrorContext(ctx, "dashboard report failed", "err", err)
		openai.WriteError(w, http.StatusInternalServerError, "the cost rollups could not be read", "")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(rep)
}
