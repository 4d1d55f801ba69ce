package app

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/fledgling-ai/fledgling/internal/capture"
	"github.com/fledgling-ai/fledgling/internal/config"
	"github.com/fledgling-ai/fledgling/internal/openai"
	"github.com/fledgling-ai/fledgling/internal/store"
)

const costsYAML = `
server: {listen: "127.0.0.1:0"}
auth: {mode: none}
providers:
  openai: {base_url: "http://127.0.0.1:9/v1", api_key: "sk-test"}
models:
  gpt-4o: {provider: openai}
  gpt-4o-mini: {provider: openai}
routes:
  - name: support
    match: {models: [support]}
    primary: gpt-4o
    candidates: [{model: gpt-4o-mini}]
storage: {dsn: "sqlite://DIR/f.db", spill_dir: "DIR/spill"}
`

func TestBuildCostsWiresPricerRollupsAndDashboard(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cfg, err := config.Parse([]byte(strings.ReplaceAll(costsYAML, "DIR", dir)))
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, cfg.Storage.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cs, err := capture.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	w, err := capture.NewWriter(cs, capture.OptionsFrom(cfg.Storage, slog.Default()))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close(ctx)
	s := &services{cfg: cfg, log: slog.Default(), db: db, recorder: w, admin: http.NewServeMux(), public: http.NewServeMux()}
	if err := s.buildCosts(ctx); err != nil {
		t.Fatal(err)
	}
	u := openai.Usage{Input: openai.Some(1000), Output: openai.Some(500)}
	// gpt-4o-mini: 1000 × 0.15 + 500 × 0.60 = 450 µ$; at gpt-4o: 1000 × 2.5 + 500 × 10 = 7500 µ$
	cost, priced := s.pricer.Cost("gpt-4o-mini", u)
	cf, _ := s.pricer.Cost("gpt-4o", u)
	if cost != 450 || !priced || cf != 7500 {
		t.Fatalf("pricer: %d %v %d", cost, priced, cf)
	}
	w.Record(&capture.Record{ID: "r1", Time: time.Now(), Kind: capture.KindChat, Route: "support", PrimaryModel: "gpt-4o",
		AnsweringModel: "gpt-4o-mini", ServedByCandidate: true, Status: 200, Usage: u, CostMicros: cost, Priced: true, CounterfactualMicros: cf})
	if err := w.Flush(ctx); err != nil {
		t.Fatal(err)
	}

	var rep struct {
		Totals struct {
			Calls                 int64 `json:"calls"`
			CostMicros            int64 `json:"cost_micros"`
			RealizedSavingsMicros int64 `json:"realized_savings_micros"`
		} `json:"totals"`
		Routes []struct {
			Route, Primary string
			Candidates     []struct{ Model, Stage string }
		} `json:"routes"`
	}
	body := costsGet(t, s.admin, "/v1/dashboard/costs?group_by=route")
	json.Unmarshal([]byte(body), &rep)
	// realized: 7500 − 450 = 7050 µ$
	if rep.Totals.Calls != 1 || rep.Totals.CostMicros != 450 || rep.Totals.RealizedSavingsMicros != 7050 || rep.Routes[0].Primary != "gpt-4o" ||
		len(rep.Routes[0].Candidates) != 1 || rep.Routes[0].Candidates[0].Stage != "shadow" {
		t.Fatalf("dashboard after one captured call: %s", body)
	}
	if page := costsGet(t, s.public, "/dashboard"); !strings.Contains(page, "dashboard.js") {
		t.Fatal("page not served")
	}
	if js := costsGet(t, s.public, "/dashboard/assets/chart.umd.min.js"); !strings.Contains(js[:200], "Chart.js") {
		t.Fatal("vendored Chart.js not served")
	}

	next, _ := config.Parse([]byte(strings.ReplaceAll(costsYAML, "DIR", dir) + "\n"))
	m := next.Models["gpt-4o-mini"]
	one := 1.0
	m.Pricing = &config.Pricing{InputPerMTok: &one}
	next.Models["gpt-4o-mini"] = m
	for _, f := range s.reloaders {
		if err := f(next); err != nil {
			t.Fatal(err)
		}
	}
	// after reload: 1000 × 1.0 + 500 × 0.60 = 1300 µ$
	if c, _ := s.pricer.Cost("gpt-4o-mini", u); c != 1300 {
		t.Fatalf("after reload gpt-4o-mini costs %d, want 1300", c)
	}
}

func costsGet(t *testing.T, h http.Handler, path string) string {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	b, _ := io.ReadAll(rec.Body)
	if rec.Code != 200 {
		t.Fatalf("GET %s: %d %s", path, rec.Code, b)
	}
	return string(b)
}
