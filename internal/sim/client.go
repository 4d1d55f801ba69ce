package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Client drives a simulator running in another process through its /sim
// control endpoints (the Go API of Server does the same in-process).
type Client struct {
	// BaseURL is the simulator's root, e.g. "http://127.0.0.1:9090" (no /v1).
	BaseURL string
	// HTTP defaults to http.DefaultClient.
	HTTP *http.Client
}

// Stats fetches the ground-truth counters.
func (c *Client) Stats(ctx context.Context) (Stats, error) {
	var s Stats
	return s, c.do(ctx, http.MethodGet, "/sim/stats", nil, &s)
}

// Tasks lists the workload's tasks and task keys.
func (c *Client) Tasks(ctx context.Context) ([]TaskInfo, error) {
	var ts []TaskInfo
	return ts, c.do(ctx, http.MethodGet, "/sim/tasks", nil, &ts)
}

// SetAgreement changes a model's agreement on a task ("*" = default).
func (c *Client) SetAgreement(ctx context.Context, model, task string, p float64) error {
	return c.do(ctx, http.MethodPost, "/sim/quality", map[string]any{"model": model, "task": task, "agreement": p}, nil)
}

// SetFault sets or clears (Mode "none") a model's fault.
func (c *Client) SetFault(ctx context.Context, model string, f Fault) error {
	return c.do(ctx, http.MethodPost, "/sim/fault", map[string]any{"model": model, "mode": f.Mode, "rate": f.Rate, "status": f.Status}, nil)
}

// ResetStats zeroes the counters.
func (c *Client) ResetStats(ctx context.Context) error {
	return c.do(ctx, http.MethodPost, "/sim/stats/reset", nil, nil)
}

func (c *Client) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(c.BaseURL, "/")+path, rd)
	if err != nil {
		return fmt.Errorf("sim client: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("sim client %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return fmt.Errorf("sim client %s %s: %d %s", method, path, resp.StatusCode, bytes.TrimSpace(msg))
	}
	if out == nil {
		return nil
	}
	return json.NewDecoder(resp.Body).Decode(out)
}
