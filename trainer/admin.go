package trainer

import (
	"database/sql"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/fledgling-ai/fledgling/internal/openai"
)

// Register adds the trainer's admin API to mux (admin auth is applied by
// the gateway in front of it):
//
//	POST /admin/v1/datasets            {"route":R}: build a dataset version
//	GET  /admin/v1/datasets?route=R    dataset versions, newest first
//	POST /admin/v1/jobs                {"route":R} or {"dataset_id":D}: manual job;
//	                                   {"route":R,"kind":"learned_router","candidate":"m@v"}: router job
//	GET  /admin/v1/jobs?route=R&limit=N
//	GET  /admin/v1/jobs/{id}
//	GET  /admin/v1/jobs/{id}/logs?after=SEQ&limit=N
//	POST /admin/v1/jobs/{id}/cancel
//	GET  /admin/v1/trainer/candidates?route=R
func (s *Service) Register(mux *http.ServeMux) {
	mux.HandleFunc("POST /admin/v1/datasets", s.postDataset)
	mux.HandleFunc("GET /admin/v1/datasets", s.getDatasets)
	mux.HandleFunc("POST /admin/v1/jobs", s.postJob)
	mux.HandleFunc("GET /admin/v1/jobs", s.getJobs)
	mux.HandleFunc("GET /admin/v1/jobs/{id}", s.getJob)
	mux.HandleFunc("GET /admin/v1/jobs/{id}/logs", s.getLogs)
	mux.HandleFunc("POST /admin/v1/jobs/{id}/cancel", s.cancelJob)
	mux.HandleFunc("GET /admin/v1/trainer/candidates", s.getCandidates)
}

type trainRequest struct {
	Route     string `json:"route"`
	DatasetID string `json:"dataset_id"`
	// Kind "learned_router" trains a per-request router for Candidate
	// ("model@version", "model" or "": the route's learned candidate).
	Kind      string `json:"kind"`
	Candidate string `json:"candidate"`
}

func readTrainRequest(w http.ResponseWriter, r *http.Request) (trainRequest, bool) {
	var req trainRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&req); err != nil {
		openai.WriteError(w, http.StatusBadRequest, "invalid JSON body: "+err.Error(), "")
		return req, false
	}
	if req.Route == "" && req.DatasetID == "" {
		openai.WriteError(w, http.StatusBadRequest, "route is required", "route")
		return req, false
	}
	return req, true
}

func (s *Service) postDataset(w http.ResponseWriter, r *http.Request) {
	req, ok := readTrainRequest(w, r)
	if !ok {
		return
	}
	ds, err := s.Builder.Build(r.Context(), req.Route, nil)
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, ds)
}

func (s *Service) getDatasets(w http.ResponseWriter, r *http.Request) {
	ds, err := s.Builder.Datasets(r.Context(), r.URL.Query().Get("route"))
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": nonNil(ds)})
}

func (s *Service) postJob(w http.ResponseWriter, r *http.Request) {
	req, ok := readTrainRequest(w, r)
	if !ok {
		return
	}
	var job *Job
	var err error
	switch {
	case req.Kind != "" && req.Kind != BackendLearnedRouter && req.Kind != "fine_tune":
		openai.WriteError(w, http.StatusBadRequest, "kind must be fine_tune or "+BackendLearnedRouter, "kind")
		return
	case req.Kind == BackendLearnedRouter && req.Route == "":
		openai.WriteError(w, http.StatusBadRequest, "route is required", "route")
		return
	case req.Kind == BackendLearnedRouter:
		job, err = s.TrainRouter(r.Context(), req.Route, req.Candidate)
	case req.DatasetID != "":
		job, err = s.TrainDataset(r.Context(), req.DatasetID)
	default:
		job, err = s.Train(r.Context(), req.Route, ReasonManual)
	}
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, job)
}

func (s *Service) getJobs(w http.ResponseWriter, r *http.Request) {
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	jobs, err := s.Jobs.List(r.Context(), r.URL.Query().Get("route"), limit)
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": nonNil(jobs)})
}

func (s *Service) getJob(w http.ResponseWriter, r *http.Request) {
	job, err := s.Jobs.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, job)
}

func (s *Service) getLogs(w http.ResponseWriter, r *http.Request) {
	if _, err := s.Jobs.Get(r.Context(), r.PathValue("id")); err != nil {
		writeErr(w, err)
		return
	}
	after, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	lines, err := s.Jobs.Logs(r.Context(), r.PathValue("id"), after, limit)
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": nonNil(lines)})
}

func (s *Service) cancelJob(w http.ResponseWriter, r *http.Request) {
	job, err := s.Jobs.Cancel(r.Context(), r.PathValue("id"))
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, job)
}

func (s *Service) getCandidates(w http.ResponseWriter, r *http.Request) {
	if s.Registry == nil {
		writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": []NewCandidate{}})
		return
	}
	cs, err := s.Registry.Candidates(r.Context(), r.URL.Query().Get("route"))
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": nonNil(cs)})
}

func nonNil[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// writeErr maps the trainer's error classes to HTTP statuses.
func writeErr(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, ErrNotFound), errors.Is(err, sql.ErrNoRows):
		openai.WriteError(w, http.StatusNotFound, err.Error(), "")
	case errors.Is(err, ErrJobActive), errors.Is(err, ErrCooldown), errors.Is(err, ErrJobFinished):
		openai.WriteError(w, http.StatusConflict, err.Error(), "")
	case errors.Is(err, ErrNoExamples):
		openai.WriteError(w, http.StatusUnprocessableEntity, err.Error(), "route")
	default:
		openai.WriteError(w, http.StatusInternalServerError, err.Error(), "")
	}
}
