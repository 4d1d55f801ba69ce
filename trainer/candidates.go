package trainer

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/fledgling-ai/fledgling/internal/store"
)

// CandidateRegistry is a CandidateSink that loads an adapter into its
// serving provider (when a LoRALoader is set) and records the candidate in
// trainer_candidates. Registering the same (route, version) again updates it.
type CandidateRegistry struct {
	DB     *store.DB
	Loader *LoRALoader
	Now    func() time.Time
}

// AddCandidate loads and records c.
func (r *CandidateRegistry) AddCandidate(ctx context.Context, c NewCandidate) error {
	_, err := r.Register(ctx, c)
	return err
}

// Register loads and records c and returns it as recorded (Loaded set).
func (r *CandidateRegistry) Register(ctx context.Context, c NewCandidate) (NewCandidate, error) {
	if r.Loader != nil && c.AdapterPath != "" {
		if err := r.Loader.Load(ctx, c.UpstreamModel, c.AdapterPath); err != nil {
			return c, err
		}
		c.Loaded = true
	}
	now := time.Now()
	if r.Now != nil {
		now = r.Now()
	}
	loaded := 0
	if c.Loaded {
		loaded = 1
	}
	_, err := r.DB.ExecContext(ctx, `INSERT INTO trainer_candidates (route, version, public_model, upstream_model, provider, adapter_path,
		base_model, job_id, dataset_id, loaded, created_ms) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)
		ON CONFLICT (route, version) DO UPDATE SET public_model = excluded.public_model, upstream_model = excluded.upstream_model,
		provider = excluded.provider, adapter_path = excluded.adapter_path, loaded = excluded.loaded`,
		c.Route, c.Version, c.PublicModel, c.UpstreamModel, c.Provider, c.AdapterPath, c.BaseModel, c.JobID, c.DatasetID, loaded, ms(now))
	if err != nil {
		return c, fmt.Errorf("record candidate: %w", err)
	}
	return c, nil
}

// Candidates lists recorded candidates, oldest first; route "" lists all.
func (r *CandidateRegistry) Candidates(ctx context.Context, route string) ([]NewCandidate, error) {
	rows, err := r.DB.QueryContext(ctx, `SELECT route, version, public_model, upstream_model, provider, adapter_path, base_model,
		job_id, dataset_id, loaded FROM trainer_candidates WHERE $1 = '' OR route = $1 ORDER BY created_ms, version`, route)
	if err != nil {
		return nil, fmt.Errorf("list candidates: %w", err)
	}
	defer rows.Close()
	var out []NewCandidate
	for rows.Next() {
		var c NewCandidate
		var loaded int
		if err := rows.Scan(&c.Route, &c.Version, &c.PublicModel, &c.UpstreamModel, &c.Provider, &c.AdapterPath, &c.BaseModel,
			&c.JobID, &c.DatasetID, &loaded); err != nil {
			return nil, err
		}
		c.Loaded = loaded != 0
		out = append(out, c)
	}
	return out, rows.Err()
}

// LoRALoader registers adapters with a vLLM server at runtime
// (POST {base_url}/load_lora_adapter; vLLM needs VLLM_ALLOW_RUNTIME_LORA_UPDATING=True).
type LoRALoader struct {
	BaseURL string // e.g. http://slm:8000/v1
	APIKey  string
	Client  *http.Client
}

// Load asks the server to serve the adapter at path under name. An adapter
// already loaded under that name counts as loaded.
func (l *LoRALoader) Load(ctx context.Context, name, path string) error {
	body, _ := json.Marshal(map[string]string{"lora_name": name, "lora_path": path})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(l.BaseURL, "/")+"/load_lora_adapter", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if l.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+l.APIKey)
	}
	c := l.Client
	if c == nil {
		c = &http.Client{Timeout: 5 * time.Minute}
	}
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("load LoRA adapter %s: %w", name, err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode/100 == 2 || (resp.StatusCode == 400 && strings.Contains(string(msg), "already")) {
		return nil
	}
	return fmt.Errorf("load LoRA adapter %s: HTTP %d: %s", name, resp.StatusCode, strings.TrimSpace(string(msg)))
}
