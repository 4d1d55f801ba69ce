package dashboard

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/fledgling-ai/fledgling/costs"
	"github.com/fledgling-ai/fledgling/internal/openai"
)

const chromiumPath = "/usr/bin/chromium"

// usdText mirrors dashboard.js usd(): integer micro-USD, rounded half up,
// 2 decimals (4 below one dollar), thousands separated by commas.
func usdText(micros int64) string {
	a, d := micros, 2
	if a < 0 {
		a = -a
	}
	unit, scale := int64(10000), int64(100)
	if a != 0 && a < 1_000_000 {
		d, unit, scale = 4, 100, 10000
	}
	q := (a + unit/2) / unit
	sign := ""
	if micros < 0 {
		sign = "-"
	}
	return fmt.Sprintf("%s$%s.%0*d", sign, commas(q/scale), d, q%scale)
}

func commas(n int64) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func TestUSDText(t *testing.T) {
	for micros, want := range map[int64]string{0: "$0.00", 1: "$0.0000", 50: "$0.0001", 123_456: "$0.1235",
		1_000_000: "$1.00", 1_234_567_890: "$1,234.57", -2_500_000: "-$2.50", 12_345_000: "$12.35"} {
		if got := usdText(micros); got != want {
			t.Errorf("usdText(%d) = %q, want %q", micros, got, want)
		}
	}
}

// shown is what the page displays, read back from the DOM and the charts.
type shown struct {
	Source   string            `json:"source"`
	KPIs     map[string]string `json:"kpis"`
	Routes   []shownRoute      `json:"routes"`
	Unpriced []string          `json:"unpriced"`
	Cands    []string          `json:"candidates"`
	History  []string          `json:"history"`
	Spend    map[string]float64
	Savings  float64 `json:"savings"`
}

type shownRoute struct {
	Route string            `json:"route"`
	Cells map[string]string `json:"cells"`
}

const readPage = `(() => {
  const txt = (e) => e.textContent.trim();
  const out = {source: document.body.dataset.sourceUrl, kpis: {}, routes: [], spend: {}};
  for (const k of document.querySelectorAll("[data-kpi]")) out.kpis[k.dataset.kpi] = txt(k.querySelector(".value"));
  for (const tr of document.querySelectorAll("#routes tbody tr[data-route]:not(.candidate)")) {
    const cells = {};
    for (const td of tr.querySelectorAll("td[data-field]")) cells[td.dataset.field] = txt(td);
    out.routes.push({route: tr.dataset.route, cells});
  }
  out.unpriced = [...document.querySelectorAll("#unpriced li[data-model]")].map(txt);
  out.candidates = [...document.querySelectorAll("tr.candidate")].map(txt);
  out.history = [...document.querySelectorAll("#history li[data-transition]")].map(txt);
  for (const d of Chart.getChart("spend-chart").data.datasets) out.spend[d.label] = d.data.reduce((a, b) => a + b, 0);
  out.savings = Chart.getChart("savings-chart").data.datasets[0].data.reduce((a, b) => a + b, 0);
  return out;
})()`

// requireAdmin stands in for the gateway's admin auth.
func requireAdmin(key string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+key {
			openai.WriteError(w, http.StatusUnauthorized, "admin key required", "")
			return
		}
		next.ServeHTTP(w, r)
	})
}

func TestDashboardPageInChromium(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("this test drives Debian's chromium: apt-get install -y chromium (%v)", err)
	}
	p, err := costs.NewPricer(seedConfig())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	rollups := seed(t, testDBs(t)[0], seedRecords(p, 4000, now, 7*24*time.Hour))
	h := New(rollups, Options{Candidates: testCandidates, History: fakeHistory{{Route: "support", Model: "gpt-4o-mini", Version: "v1",
		From: "shadow", To: "canary", Time: now.Add(-30 * time.Hour), Reason: "tool_call lower bound 0.939 ≥ 0.92"}},
		Routes: seedRoutes, CatalogueDate: p.Catalogue().Date})
	admin, public := http.NewServeMux(), http.NewServeMux()
	h.Register(admin, public)
	public.Handle("/v1/", requireAdmin("s3cret", admin))
	srv := httptest.NewServer(public)
	defer srv.Close()

	ctx := browser(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/dashboard?range=7d&group_by=model"),
		chromedp.WaitReady(`body[data-state="auth"]`)); err != nil {
		t.Fatalf("without a key the page must ask for one: %v", err)
	}
	if err := chromedp.Do(ctx,
		chromedp.Evaluate[chromedp.Void](`document.querySelector("#admin_key").value = "s3cret"; document.querySelector("#controls").requestSubmit()`),
		chromedp.WaitReady(`body[data-state="ready"]`)); err != nil {
		t.Fatalf("page never became ready with the key: %v", err)
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[shown](readPage))
	if err != nil {
		t.Fatal(err)
	}
	rep := fetchAs(t, srv.URL+got.Source, "s3cret")
	comparePage(t, got, rep)
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	saveScreenshot(t, png)
}

func browser(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{chromedp.ExecPath(chromiumPath), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1440, 1000)}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	ctx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancelTab := chromedp.NewContext(ctx)
	t.Cleanup(cancelTab)
	return ctx
}

func fetchAs(t *testing.T, url, key string) *Report {
	t.Helper()
	q := url[strings.Index(url, "?")+1:]
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+key)
	rep, status, raw := getReportReq(t, req)
	if status != 200 {
		t.Fatalf("%s: %d %s", q, status, raw)
	}
	return rep
}

func comparePage(t *testing.T, got shown, rep *Report) {
	t.Helper()
	if rep.Totals.Calls != 4000 {
		t.Fatalf("report has %d calls, want the 4000 seeded", rep.Totals.Calls)
	}
	tot := map[string]int64{"spend_micros": rep.Totals.SpendMicros, "counterfactual_micros": rep.Totals.CounterfactualMicros,
		"realized_savings_micros": rep.Totals.RealizedSavingsMicros, "shadow_overhead_micros": rep.Totals.ShadowOverheadMicros,
		"projected_savings_micros": rep.Totals.ProjectedSavingsMicros, "net_savings_micros": rep.Totals.NetSavingsMicros}
	for k, v := range tot {
		if got.KPIs[k] != usdText(v) {
			t.Errorf("KPI %s shows %q; JSON says %d µ$ = %q", k, got.KPIs[k], v, usdText(v))
		}
	}
	if got.KPIs["calls"] != commas(rep.Totals.Calls) {
		t.Errorf("calls shows %q, want %q", got.KPIs["calls"], commas(rep.Totals.Calls))
	}
	compareRoutes(t, got.Routes, rep.Routes)
	if len(got.Unpriced) != 1 || !strings.HasPrefix(got.Unpriced[0], "llama-local") ||
		!strings.Contains(got.Unpriced[0], commas(rep.Unpriced[0].UnpricedCalls)+" without a price") {
		t.Errorf("unpriced shown %q; JSON %+v", got.Unpriced, rep.Unpriced)
	}
	if len(got.Cands) != 3 || !strings.Contains(strings.Join(got.Cands, "|"), "tool_call 96.2% [93.9%–97.7%] n=412") {
		t.Errorf("candidate rows %q", got.Cands)
	}
	if len(got.History) != 1 || !strings.Contains(got.History[0], "shadow → canary") {
		t.Errorf("history %q", got.History)
	}
	for _, s := range rep.Series {
		if d := got.Spend[s.Key] - float64(s.TotalCostMicros)/1e6; d > 1e-6 || d < -1e-6 {
			t.Errorf("spend chart %q sums to $%f; JSON %d µ$", s.Key, got.Spend[s.Key], s.TotalCostMicros)
		}
	}
	if d := got.Savings - float64(rep.Totals.RealizedSavingsMicros)/1e6; d > 1e-6 || d < -1e-6 {
		t.Errorf("savings chart sums to $%f; JSON %d µ$", got.Savings, rep.Totals.RealizedSavingsMicros)
	}
}

func compareRoutes(t *testing.T, got []shownRoute, want []RouteSavings) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d route rows shown, JSON has %d", len(got), len(want))
	}
	for i, r := range want {
		cells := got[i].Cells
		exp := map[string]string{"calls": commas(r.Calls), "spend_micros": usdText(r.SpendMicros),
			"counterfactual_micros": usdText(r.CounterfactualMicros), "realized_savings_micros": usdText(r.RealizedSavingsMicros),
			"shadow_overhead_micros": usdText(r.ShadowOverheadMicros), "projected_savings_micros": usdText(r.ProjectedSavingsMicros),
			"net_savings_micros": usdText(r.NetSavingsMicros)}
		if got[i].Route != r.Route {
			t.Errorf("row %d is %q, JSON order has %q", i, got[i].Route, r.Route)
		}
		for k, v := range exp {
			if cells[k] != v {
				t.Errorf("route %s %s shows %q, want %q", r.Route, k, cells[k], v)
			}
		}
	}
}

func saveScreenshot(t *testing.T, png []byte) {
	t.Helper()
	for _, path := range []string{filepath.Join(t.ArtifactDir(), "dashboard.png"), "/tmp/dashboard.png"} {
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Errorf("save screenshot: %v", err)
		}
	}
	t.Logf("screenshot: %s (%d bytes); run with -artifacts to keep it", filepath.Join(t.ArtifactDir(), "dashboard.png"), len(png))
}
