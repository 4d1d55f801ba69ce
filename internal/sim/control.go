package sim

import (
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
)

// The /sim/* control endpoints and the model listing.

func (s *Server) handleModels(w http.ResponseWriter, _ *http.Request) {
	var data []any
	for _, name := range s.Models() {
		data = append(data, s.modelObject(name))
	}
	writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": data})
}

func (s *Server) handleModel(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, _, ok := s.lookupModel(id); !ok {
		writeError(w, http.StatusNotFound, "invalid_request_error", "model_not_found", "The model `"+id+"` does not exist")
		return
	}
	writeJSON(w, http.StatusOK, s.modelObject(id))
}

func (s *Server) modelObject(name string) map[string]any {
	return map[string]any{"id": name, "object": "model", "created": s.created, "owned_by": "fledgling-simulator"}
}

// handleLoadLoRA imitates vLLM's runtime adapter loading: the adapter
// becomes a model with LoRABase's profile, overridden by a sim-profile.json
// (a Profile) in lora_path when the simulated recipe wrote one.
func (s *Server) handleLoadLoRA(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name string `json:"lora_name"`
		Path string `json:"lora_path"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Name == "" {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "invalid_value", "lora_name is required")
		return
	}
	base, ok := s.Profile(s.cfg.LoRABase)
	if !ok {
		base = SmallProfile()
	}
	if req.Path != "" {
		if raw, err := os.ReadFile(filepath.Join(req.Path, "sim-profile.json")); err == nil {
			var over Profile
			if err := json.Unmarshal(raw, &over); err != nil {
				writeError(w, http.StatusBadRequest, "invalid_request_error", "invalid_value", "sim-profile.json: "+err.Error())
				return
			}
			for k, v := range over.Agreement {
				base.Agreement[k] = v
			}
		}
	}
	s.SetProfile(req.Name, base)
	w.Write([]byte("Success: LoRA adapter '" + req.Name + "' added successfully (simulator)."))
}

func (s *Server) handleStats(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.Stats())
}

func (s *Server) handleStatsReset(w http.ResponseWriter, _ *http.Request) {
	s.ResetStats()
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleQualityGet(w http.ResponseWriter, _ *http.Request) {
	out := map[string]map[string]float64{}
	for _, name := range s.Models() {
		p, _ := s.Profile(name)
		out[name] = p.Agreement
	}
	writeJSON(w, http.StatusOK, out)
}

// handleQualitySet: {"model":"sim-small","task":"calc","agreement":0.2}.
func (s *Server) handleQualitySet(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Model     string   `json:"model"`
		Task      string   `json:"task"`
		Agreement *float64 `json:"agreement"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Agreement == nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "invalid_value", `want {"model","task","agreement"}`)
		return
	}
	if err := s.SetAgreement(req.Model, req.Task, *req.Agreement); err != nil {
		writeControlError(w, err)
		return
	}
	s.handleQualityGet(w, r)
}

// handleFault: {"model":"sim-small","mode":"error","rate":0.5,"status":503}.
func (s *Server) handleFault(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Model string `json:"model"`
		Fault
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "invalid_json", err.Error())
		return
	}
	if err := s.SetFault(req.Model, req.Fault); err != nil {
		writeControlError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleModelSet: {"name":"sim-small-v2","like":"sim-small","profile":{...}}.
func (s *Server) handleModelSet(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name    string   `json:"name"`
		Like    string   `json:"like"`
		Profile *Profile `json:"profile"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Name == "" {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "invalid_value", `want {"name","like"?,"profile"?}`)
		return
	}
	p := SmallProfile()
	if req.Like != "" {
		var ok bool
		if p, ok = s.Profile(req.Like); !ok {
			writeControlError(w, ErrUnknownModel)
			return
		}
	}
	if req.Profile != nil {
		p = *req.Profile
	}
	s.SetProfile(req.Name, p)
	w.WriteHeader(http.StatusNoContent)
}

// TaskInfo describes one task of the workload.
type TaskInfo struct {
	Name  string   `json:"name"`
	Kind  TaskKind `json:"kind"`
	Key   string   `json:"task_key"`
	Items int      `json:"items"`
	Tools int      `json:"tools"`
}

// Info lists the workload's tasks.
func (w *Workload) Info() []TaskInfo {
	out := make([]TaskInfo, len(w.Tasks))
	for i, t := range w.Tasks {
		out[i] = TaskInfo{Name: t.Name, Kind: t.Kind, Key: t.Key(), Items: len(t.Items), Tools: len(t.Tools)}
	}
	return out
}

func (s *Server) handleTasks(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.cfg.Workload.Info())
}

func writeControlError(w http.ResponseWriter, err error) {
	status := http.StatusBadRequest
	if errors.Is(err, ErrUnknownModel) {
		status = http.StatusNotFound
	}
	writeError(w, status, "invalid_request_error", "invalid_value", err.Error())
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
