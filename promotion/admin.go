package promotion

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/fledgling-ai/fledgling/internal/config"
	"github.com/fledgling-ai/fledgling/internal/openai"
)

// Admin serves the promotion endpoints of the admin API.
type Admin struct {
	M      *Manager
	Config func() *config.Config
	// Leader describes the controller replica (may be nil).
	Leader func(ctx context.Context) (replica string, token int64, err error)
	Now    func() time.Time
}

// Register mounts the handlers on mux (admin auth is applied by the gateway).
func (a *Admin) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /admin/v1/routes/{route}/state", a.state)
	mux.HandleFunc("GET /admin/v1/routes/{route}/history", a.history)
	for _, action := range []string{ActionPin, ActionPause, ActionResume, ActionPromote, ActionRollback} {
		mux.HandleFunc("POST /admin/v1/routes/{route}/"+action, a.operate(action))
	}
}

// StateView is the state endpoint's answer.
type StateView struct {
	Route        string       `json:"route"`
	StateVersion int64        `json:"state_version"`
	Candidates   []*Candidate `json:"candidates"`
	Leader       string       `json:"leader,omitempty"`
	LeaderToken  int64        `json:"leader_token,omitempty"`
}

func (a *Admin) state(w http.ResponseWriter, r *http.Request) {
	route := r.PathValue("route")
	if !a.routeKnown(route) {
		openai.WriteError(w, http.StatusNotFound, fmt.Sprintf("route %q is not configured", route), "route")
		return
	}
	st := a.M.Current()
	v := StateView{Route: route, StateVersion: st.Version, Candidates: st.Route(route)}
	if a.Leader != nil {
		v.Leader, v.LeaderToken, _ = a.Leader(r.Context())
	}
	writeJSON(w, http.StatusOK, v)
}

func (a *Admin) history(w http.ResponseWriter, r *http.Request) {
	limit := 100
	if s := r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 10000 {
			openai.WriteError(w, http.StatusBadRequest, "limit must be an integer within 1..10000", "limit")
			return
		}
		limit = n
	}
	trs, err := a.M.store.History(r.Context(), r.PathValue("route"), limit)
	if err != nil {
		openai.WriteError(w, http.StatusInternalServerError, err.Error(), "")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"route": r.PathValue("route"), "transitions": trs})
}

// OperateRequest is the body of the POST actions.
type OperateRequest struct {
	Model    string  `json:"model"`   // optional when the route has one candidate
	Version  string  `json:"version"` // optional: the model's only or serving version
	Share    float64 `json:"share"`   // pin only: 0..1 of traffic to the candidate
	Operator string  `json:"operator"`
	Reason   string  `json:"reason"`
}

func (a *Admin) operate(action string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var req OperateRequest
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&req); err != nil {
			openai.WriteError(w, http.StatusBadRequest, "body must be a JSON object: "+err.Error(), "")
			return
		}
		if req.Operator == "" {
			openai.WriteError(w, http.StatusBadRequest, "operator is required: who is doing this", "operator")
			return
		}
		route := r.PathValue("route")
		trs, err := a.M.Update(r.Context(), 0, func(st *State) ([]*Transition, bool, error) {
			c, err := a.pick(st, route, req.Model, req.Version)
			if err != nil {
				return nil, false, err
			}
			tr, err := Operate(c, action, req.Share, req.Operator, req.Reason, a.Now())
			if err != nil {
				return nil, false, err
			}
			return []*Transition{tr}, true, nil
		})
		switch {
		case errors.Is(err, ErrBadAction), errors.Is(err, errNoCandidate):
			openai.WriteError(w, http.StatusBadRequest, err.Error(), "model")
		case err != nil:
			openai.WriteError(w, http.StatusServiceUnavailable, "promotion state unavailable: "+err.Error(), "")
		default:
			writeJSON(w, http.StatusOK, trs[0])
		}
	}
}

var errNoCandidate = errors.New("no such candidate")

// pick finds the candidate an action addresses, creating its state when the
// version is configured but the controller has not seen it yet.
func (a *Admin) pick(st *State, route, model, version string) (*Candidate, error) {
	cfg := a.Config()
	for _, r := range cfg.Routes {
		if r.Name != route {
			continue
		}
		var matches []*Candidate
		for _, cand := range r.Candidates {
			if (model == "" || cand.Model == model) && (version == "" || cand.Version == version) {
				key := Candidate{Route: route, Model: cand.Model, Version: cand.Version}.Key()
				if st.Candidates[key] == nil {
					st.Candidates[key] = NewCandidate(route, cand, a.Now())
				}
				matches = append(matches, st.Candidates[key])
			}
		}
		if len(matches) == 1 {
			return matches[0], nil
		}
		return nil, fmt.Errorf("%w: %d candidates on route %q match model %q version %q (name exactly one)", errNoCandidate, len(matches), route, model, version)
	}
	return nil, fmt.Errorf("%w: route %q is not configured", errNoCandidate, route)
}

func (a *Admin) routeKnown(route string) bool {
	for _, r := range a.Config().Routes {
		if r.Name == route {
			return true
		}
	}
	return false
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
