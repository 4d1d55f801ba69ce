package shadow

import (
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"time"

	"github.com/fledgling-ai/fledgling/internal/openai"
)

// CandidateView is one candidate version of a route with its evidence over
// both windows.
type CandidateView struct {
	Model      string   `json:"model"`
	Version    string   `json:"version"`
	Configured bool     `json:"configured"` // listed on the route in the current config
	SampleRate float64  `json:"sample_rate,omitempty"`
	All        Evidence `json:"since_version_appeared"`
	Rolling    Evidence `json:"rolling"`
}

// RouteView is GET /admin/v1/routes/{route}/candidates.
type RouteView struct {
	Route         string          `json:"route"`
	Alpha         float64         `json:"alpha"`
	RollingWindow string          `json:"rolling_window"`
	Candidates    []CandidateView `json:"candidates"`
}

// Configured is a candidate listed on a route in the config.
type Configured struct {
	Model, Version string
	SampleRate     float64
}

// RouteView reads every candidate version of route that is configured or
// has pairs, with evidence since it appeared and over the rolling window.
func (s *Store) RouteView(ctx context.Context, route string, configured []Configured, window time.Duration, now time.Time) (RouteView, error) {
	v := RouteView{Route: route, Alpha: s.alpha, RollingWindow: window.String(), Candidates: []CandidateView{}}
	seen, err := s.Candidates(ctx, route)
	if err != nil {
		return v, err
	}
	byKey := map[Candidate]*CandidateView{}
	for _, c := range configured {
		byKey[Candidate{c.Model, c.Version}] = &CandidateView{Model: c.Model, Version: c.Version, Configured: true, SampleRate: c.SampleRate}
	}
	for _, c := range seen {
		if _, ok := byKey[c]; !ok {
			byKey[c] = &CandidateView{Model: c.Model, Version: c.Version}
		}
	}
	for _, cv := range byKey {
		if cv.All, err = s.Evidence(ctx, route, cv.Model, cv.Version, time.Time{}); err != nil {
			return v, err
		}
		if cv.Rolling, err = s.Evidence(ctx, route, cv.Model, cv.Version, now.Add(-window)); err != nil {
			return v, err
		}
		v.Candidates = append(v.Candidates, *cv)
	}
	sort.Slice(v.Candidates, func(i, j int) bool {
		a, b := v.Candidates[i], v.Candidates[j]
		return a.Model < b.Model || (a.Model == b.Model && a.Version < b.Version)
	})
	return v, nil
}

// AdminHandler serves GET /admin/v1/routes/{route}/candidates. routes
// returns the current config's routes and their candidates; window the
// current rolling window.
func AdminHandler(s *Store, routes func() map[string][]Configured, window func() time.Duration) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		route := r.PathValue("route")
		configured, known := routes()[route]
		v, err := s.RouteView(r.Context(), route, configured, window(), time.Now())
		w.Header().Set("Content-Type", "application/json")
		switch {
		case err != nil:
			w.WriteHeader(http.StatusInternalServerError)
			w.Write(openai.EncodeError("reading shadow evidence failed: "+err.Error(), "server_error", "", ""))
			return
		case !known && len(v.Candidates) == 0:
			w.WriteHeader(http.StatusNotFound)
			w.Write(openai.EncodeError("route "+route+" is not configured and has no shadow pairs", "invalid_request_error", "route", "route_not_found"))
			return
		}
		json.NewEncoder(w).Encode(v)
	}
}
