package dashboard

import (
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/fledgling-ai/fledgling/costs"
	"github.com/fledgling-ai/fledgling/internal/capture"
)

var seedEnd = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

func newTestServer(t *testing.T, r *costs.Rollups) *httptest.Server {
	t.Helper()
	h := New(r, Options{Candidates: testCandidates, History: testHistory, Routes: seedRoutes, CatalogueDate: "2025-11-20",
		Now: func() time.Time { return seedEnd }})
	admin, public := http.NewServeMux(), http.NewServeMux()
	h.Register(admin, public)
	public.Handle("/v1/", admin) // the gateway puts admin auth in front; none in tests
	srv := httptest.NewServer(public)
	t.Cleanup(srv.Close)
	return srv
}

func getReport(t *testing.T, base string, q url.Values) (*Report, int, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/v1/dashboard/costs?"+q.Encode(), nil)
	return getReportReq(t, req)
}

func getReportReq(t *testing.T, req *http.Request) (*Report, int, []byte) {
	t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var raw json.RawMessage
	json.NewDecoder(res.Body).Decode(&raw)
	if res.StatusCode != 200 {
		return nil, res.StatusCode, raw
	}
	var rep Report
	if err := json.Unmarshal(raw, &rep); err != nil {
		t.Fatal(err)
	}
	return &rep, 200, raw
}

// expected recomputes the accounting straight from the records.
type expected struct {
	calls, cost, cf, base, unpricedLlama, failedMicros int64
	perModel                                           map[string]int64
	route                                              map[string][2]int64 // cost, candidate cost
}

func expect(recs []*capture.Record) expected {
	e := expected{perModel: map[string]int64{}, route: map[string][2]int64{}}
	for _, r := range recs {
		e.calls++
		for _, a := range r.Attempts {
			if a.ErrorClass != "" {
				e.failedMicros += a.CostMicros
			}
		}
		if !r.Priced {
			if r.Usage.Present() && r.AnsweringModel == "llama-local" {
				e.unpricedLlama++
			}
			continue
		}
		e.cost += r.CostMicros
		e.perModel[r.AnsweringModel] += r.CostMicros
		rc := e.route[r.Route]
		rc[0] += r.CostMicros
		if r.ServedByCandidate {
			rc[1] += r.CostMicros
			e.cf += r.CounterfactualMicros
		} else {
			e.cf += r.CostMicros
		}
		e.base += r.CostMicros
		e.route[r.Route] = rc
	}
	return e
}

func TestCostsEndpointMatchesRecords(t *testing.T) {
	p, err := costs.NewPricer(seedConfig())
	if err != nil {
		t.Fatal(err)
	}
	recs := seedRecords(p, 3000, seedEnd, 72*time.Hour)
	want := expect(recs)
	for _, db := range testDBs(t) {
		t.Run(string(db.Dialect), func(t *testing.T) {
			srv := newTestServer(t, seed(t, db, recs))
			for _, interval := range []string{"hour", "day"} {
				q := url.Values{"from": {seedEnd.Add(-96 * time.Hour).Format(time.RFC3339)}, "to": {seedEnd.Add(24 * time.Hour).Format(time.RFC3339)},
					"group_by": {"model"}, "interval": {interval}}
				rep, status, raw := getReport(t, srv.URL, q)
				if status != 200 {
					t.Fatalf("%s: status %d: %s", interval, status, raw)
				}
				checkReport(t, rep, want)
			}
		})
	}
}

func checkReport(t *testing.T, rep *Report, want expected) {
	t.Helper()
	tot := rep.Totals
	if tot.Calls != want.calls || tot.CostMicros != want.cost || tot.CounterfactualMicros != want.cf || tot.FailedAttemptMicros != want.failedMicros {
		t.Fatalf("%s totals calls %d cost %d cf %d failed %d; want %d %d %d %d", rep.Interval, tot.Calls, tot.CostMicros,
			tot.CounterfactualMicros, tot.FailedAttemptMicros, want.calls, want.cost, want.cf, want.failedMicros)
	}
	if tot.RealizedSavingsMicros != want.cf-want.base || tot.RealizedSavingsMicros <= 0 {
		t.Fatalf("realized savings %d; want %d (> 0)", tot.RealizedSavingsMicros, want.cf-want.base)
	}
	if tot.SpendMicros != want.cost+want.failedMicros {
		t.Fatalf("spend %d; want cost + failed attempts %d", tot.SpendMicros, want.cost+want.failedMicros)
	}
	for _, s := range rep.Series {
		if len(s.CostMicros) != len(rep.Buckets) || s.TotalCostMicros != want.perModel[s.Key] || sum(s.CostMicros) != s.TotalCostMicros {
			t.Fatalf("series %q: total %d (Σ %d, %d points); want %d over %d buckets", s.Key, s.TotalCostMicros, sum(s.CostMicros), len(s.CostMicros), want.perModel[s.Key], len(rep.Buckets))
		}
	}
	if sum(rep.Savings.RealizedSavingsMicros) != tot.RealizedSavingsMicros || sum(rep.Savings.CostMicros) != tot.CostMicros {
		t.Fatal("the savings series does not add up to the totals")
	}
	checkRoutes(t, rep, want)
	if len(rep.Unpriced) != 1 || rep.Unpriced[0].Model != "llama-local" || rep.Unpriced[0].UnpricedCalls != want.unpricedLlama {
		t.Fatalf("unpriced = %+v; want llama-local with %d calls", rep.Unpriced, want.unpricedLlama)
	}
	if len(rep.History) != 1 || rep.CatalogueDate == "" {
		t.Fatalf("history %v catalogue %q", rep.History, rep.CatalogueDate)
	}
}

func checkRoutes(t *testing.T, rep *Report, want expected) {
	t.Helper()
	byName := map[string]RouteSavings{}
	for _, r := range rep.Routes {
		byName[r.Route] = r
	}
	// support: the candidate saved (1,000,000 − 60,000) / 1,000,000 = 94% on shadowed
	// requests; projected on what the primary still served = 0.94 × (route cost − candidate cost).
	sup, rc := byName["support"], want.route["support"]
	if wantP := int64(math.Round(0.94 * float64(rc[0]-rc[1]))); sup.ProjectedSavingsMicros != wantP || sup.Primary != "gpt-4o" {
		t.Fatalf("support projected %d primary %q; want %d gpt-4o", sup.ProjectedSavingsMicros, sup.Primary, wantP)
	}
	// extract: two candidates, 96% cheaper and 20% dearer: the route takes the best (0.96 × cost);
	// overhead is both: 30,000 + 12,000 = 42,000 µ$.
	ex, rc := byName["extract"], want.route["extract"]
	if wantP := int64(math.Round(0.96 * float64(rc[0]))); ex.ProjectedSavingsMicros != wantP || ex.ShadowOverheadMicros != 42_000 {
		t.Fatalf("extract projected %d overhead %d; want %d and 42000", ex.ProjectedSavingsMicros, ex.ShadowOverheadMicros, wantP)
	}
	if ex.Candidates[1].ProjectedSavingsMicros >= 0 && ex.Candidates[0].ProjectedSavingsMicros >= 0 {
		t.Fatal("the dearer candidate must show a negative projection")
	}
	if ex.NetSavingsMicros != ex.RealizedSavingsMicros+ex.ProjectedSavingsMicros-42_000 {
		t.Fatalf("extract net %d ≠ realized + projected − overhead", ex.NetSavingsMicros)
	}
	tot := rep.Totals
	// overhead 75,000 + 42,000 = 117,000 µ$
	if tot.ShadowOverheadMicros != 117_000 || tot.ProjectedSavingsMicros != sup.ProjectedSavingsMicros+ex.ProjectedSavingsMicros {
		t.Fatalf("total overhead %d projected %d", tot.ShadowOverheadMicros, tot.ProjectedSavingsMicros)
	}
	if tot.NetSavingsMicros != tot.RealizedSavingsMicros+tot.ProjectedSavingsMicros-117_000 {
		t.Fatalf("net %d ≠ realized + projected − overhead", tot.NetSavingsMicros)
	}
	if _, ok := byName["batch"]; !ok {
		t.Fatal("configured route batch missing")
	}
}

func sum(xs []int64) int64 {
	var s int64
	for _, x := range xs {
		s += x
	}
	return s
}

func TestCostsEndpointRejectsBadQueries(t *testing.T) {
	r, err := costs.OpenRollups(t.Context(), testDBs(t)[0])
	if err != nil {
		t.Fatal(err)
	}
	srv := newTestServer(t, r)
	for _, tc := range []struct{ q, param string }{
		{"group_by=provider", "group_by"},
		{"interval=minute", "interval"},
		{"from=yesterday", "from"},
		{"from=2026-03-10&to=2026-03-01", "from"},
		{"from=2020-01-01&to=2026-01-01&interval=hour", "interval"},
	} {
		res, err := http.Get(srv.URL + "/v1/dashboard/costs?" + tc.q)
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			Error struct {
				Message string  `json:"message"`
				Type    string  `json:"type"`
				Param   *string `json:"param"`
			} `json:"error"`
		}
		json.NewDecoder(res.Body).Decode(&body)
		res.Body.Close()
		if res.StatusCode != 400 || body.Error.Type != "invalid_request_error" || body.Error.Param == nil || *body.Error.Param != tc.param {
			t.Errorf("%s: status %d body %+v; want 400 invalid_request_error on %s", tc.q, res.StatusCode, body.Error, tc.param)
		}
	}
	// an empty database is a valid, empty report
	rep, status, raw := getReport(t, srv.URL, url.Values{})
	if status != 200 || rep.Totals.Calls != 0 || len(rep.Buckets) == 0 || !strings.Contains(string(raw), `"unpriced_models":[]`) {
		t.Fatalf("empty report: %d %s", status, raw)
	}
}
