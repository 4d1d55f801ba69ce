package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/fledgling-ai/fledgling/internal/capture"
	"github.com/fledgling-ai/fledgling/internal/dashboard"
	"github.com/fledgling-ai/fledgling/promotion"
	"github.com/fledgling-ai/fledgling/shadow"
	"github.com/fledgling-ai/fledgling/trainer"
)

// admin reads the gateway's admin and dashboard JSON, as an operator would.
type admin struct {
	base string
	hc   *http.Client
}

func newAdmin(base string) *admin {
	return &admin{base: strings.TrimSuffix(base, "/"), hc: &http.Client{Timeout: 10 * time.Second}}
}

func (a *admin) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := a.hc.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if res.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, bytes.TrimSpace(raw))
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(raw, out)
}

func (a *admin) state(ctx context.Context, route string) (promotion.StateView, error) {
	var v promotion.StateView
	return v, a.do(ctx, http.MethodGet, "/admin/v1/routes/"+route+"/state", nil, &v)
}

func (a *admin) candidates(ctx context.Context, route string) (shadow.RouteView, error) {
	var v shadow.RouteView
	return v, a.do(ctx, http.MethodGet, "/admin/v1/routes/"+route+"/candidates", nil, &v)
}

func (a *admin) history(ctx context.Context, route string) ([]promotion.Transition, error) {
	var v struct {
		Transitions []promotion.Transition `json:"transitions"`
	}
	err := a.do(ctx, http.MethodGet, "/admin/v1/routes/"+route+"/history?limit=1000", nil, &v)
	return v.Transitions, err
}

func (a *admin) costs(ctx context.Context) (dashboard.Report, error) {
	var v dashboard.Report
	return v, a.do(ctx, http.MethodGet, "/v1/dashboard/costs?group_by=route", nil, &v)
}

// captures pages through every capture record.
func (a *admin) captures(ctx context.Context) ([]*capture.Record, error) {
	var all []*capture.Record
	after := ""
	for {
		var page struct {
			Data      []*capture.Record `json:"data"`
			NextAfter string            `json:"next_after"`
		}
		q := url.Values{"limit": {"10000"}, "from": {"2000-01-01T00:00:00Z"}}
		if after != "" {
			q.Set("after", after)
		}
		if err := a.do(ctx, http.MethodGet, "/admin/v1/captures?"+q.Encode(), nil, &page); err != nil {
			return nil, err
		}
		all = append(all, page.Data...)
		if page.NextAfter == "" || len(page.Data) == 0 {
			return all, nil
		}
		after = page.NextAfter
	}
}

func (a *admin) startJob(ctx context.Context, route string) (trainer.Job, error) {
	var j trainer.Job
	return j, a.do(ctx, http.MethodPost, "/admin/v1/jobs", map[string]string{"route": route}, &j)
}

func (a *admin) job(ctx context.Context, id string) (trainer.Job, error) {
	var j trainer.Job
	return j, a.do(ctx, http.MethodGet, "/admin/v1/jobs/"+id, nil, &j)
}

func (a *admin) jobs(ctx context.Context, route string) ([]trainer.Job, error) {
	var v struct {
		Data []trainer.Job `json:"data"`
	}
	return v.Data, a.do(ctx, http.MethodGet, "/admin/v1/jobs?limit=100&route="+url.QueryEscape(route), nil, &v)
}
