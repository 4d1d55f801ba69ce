package promotion

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fledgling-ai/fledgling/internal/config"
	"github.com/fledgling-ai/fledgling/internal/store"
	"github.com/fledgling-ai/fledgling/router"
)

const managerCfg = `
auth: {mode: none}
providers: {p: {type: openai, base_url: "http://127.0.0.1:1/v1"}}
models: {big: {provider: p}, small: {provider: p}}
routes:
  - name: r
    match: {models: [big]}
    primary: big
    candidates:
      - model: small
        promotion:
          thresholds: {tool_call: 0.90}
          min_samples: 200
          min_duration: 1m
          step_samples: 50
          step_duration: 1m
          steps: [10, 100]
`

func loadCfg(t testing.TB, y string) *config.Config {
	cfg, err := config.Parse([]byte(y))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// scripted is evidence of a fixed pass rate with n growing with time since
// the window start (10 pairs a second of simulated time).
type scripted struct {
	mu   sync.Mutex
	rate float64
	now  func() time.Time
}

func (s *scripted) Evidence(_ context.Context, _, _, _ string, since time.Time) (Evidence, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := int64(s.now().Sub(since).Seconds() * 10)
	return Evidence{Evaluators: map[string]EvaluatorEvidence{"tool_call": {N: n, Passes: int64(float64(n) * s.rate)}},
		CandidateN: n, PrimaryN: n}, nil
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func openSQLite(t testing.TB, path string) *Store {
	db, err := store.Open(context.Background(), "sqlite://"+path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	st, err := OpenStore(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestControllerPromotesRecordsAndSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "p.db")
	cfg := loadCfg(t, managerCfg)
	clk := &clock{t: time.Unix(1_700_000_000, 0)}
	m := NewManager(openSQLite(t, path), nil, quietLog(), nil)
	if err := m.Load(ctx); err != nil {
		t.Fatal(err)
	}
	base, _ := router.Compile(cfg)
	rt := router.New(base)
	m.OnChange(func(st State) {
		tab, err := base.WithState(st.Router(func(*Candidate) float64 { return 0.05 }))
		if err != nil {
			t.Error(err)
			return
		}
		rt.Swap(tab)
	})
	c := &Controller{M: m, Source: &scripted{rate: 0.99, now: clk.Now}, Config: func() *config.Config { return cfg }, Now: clk.Now, Log: quietLog()}
	var stages []string
	for i := 0; i < 30; i++ {
		clk.Add(40 * time.Second)
		if err := c.Tick(ctx); err != nil {
			t.Fatal(err)
		}
		d, _ := rt.Decide(&router.Request{Model: "big", User: "u1"})
		if len(stages) == 0 || stages[len(stages)-1] != d.Stage {
			stages = append(stages, d.Stage)
		}
	}
	if got := strings.Join(stages, ">"); got != "shadow>canary-1>canary-2>promoted" {
		t.Fatalf("stages seen by the router: %s", got)
	}
	hist, err := m.store.History(ctx, "r", 10)
	if err != nil || len(hist) != 4 || hist[0].To != "promoted" || hist[3].Reason != "new candidate version" {
		t.Fatalf("history %+v err %v", hist, err)
	}
	if e := hist[0].Cum.Evaluators["tool_call"]; e.N == 0 || e.Lower < 0.9 || hist[0].Actor != "controller" || hist[0].StateVersion == 0 {
		t.Fatalf("transition evidence not recorded: %+v", hist[0])
	}
	// A restarted replica serves the promoted state from the store.
	m2 := NewManager(openSQLite(t, path), nil, quietLog(), nil)
	if err := m2.Load(ctx); err != nil {
		t.Fatal(err)
	}
	tab, _ := base.WithState(m2.Current().Router(func(*Candidate) float64 { return 0 }))
	if d, _ := tab.Decide(&router.Request{Model: "big"}); d.Stage != router.StagePromoted || !d.Targets[0].Candidate {
		t.Fatalf("after restart: %+v", d)
	}
}

func TestAdminActionsAreRecorded(t *testing.T) {
	ctx := context.Background()
	cfg := loadCfg(t, managerCfg)
	clk := &clock{t: time.Unix(1_700_000_000, 0)}
	m := NewManager(openSQLite(t, filepath.Join(t.TempDir(), "p.db")), nil, quietLog(), nil)
	if err := m.Load(ctx); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	(&Admin{M: m, Config: func() *config.Config { return cfg }, Now: clk.Now}).Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	post := func(action, body string) (int, string) {
		resp, err := http.Post(srv.URL+"/admin/v1/routes/r/"+action, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := post("pause", `{}`); code != 400 || !strings.Contains(body, "operator is required") {
		t.Fatalf("pause without operator: %d %s", code, body)
	}
	if code, body := post("pin", `{"operator":"alice","share":0.3,"reason":"try it"}`); code != 200 || !strings.Contains(body, `"to":"pinned"`) {
		t.Fatalf("pin: %d %s", code, body)
	}
	if code, body := post("resume", `{"operator":"bob"}`); code != 200 {
		t.Fatalf("resume: %d %s", code, body)
	}
	if code, body := post("resume", `{"operator":"bob"}`); code != 400 {
		t.Fatalf("second resume: %d %s", code, body)
	}
	if code, body := post("rollback", `{"operator":"carol","model":"nope"}`); code != 400 {
		t.Fatalf("unknown model: %d %s", code, body)
	}
	if code, _ := post("promote", `{"operator":"dave"}`); code != 200 {
		t.Fatal("promote")
	}
	resp, _ := http.Get(srv.URL + "/admin/v1/routes/r/history")
	var h struct{ Transitions []Transition }
	json.NewDecoder(resp.Body).Decode(&h)
	resp.Body.Close()
	var actors []string
	for _, tr := range h.Transitions {
		actors = append(actors, tr.Actor+":"+tr.To)
	}
	if got := strings.Join(actors, ","); got != "operator:dave:promoted,operator:bob:shadow,operator:alice:pinned" {
		t.Fatalf("history actors %s", got)
	}
	resp, _ = http.Get(srv.URL + "/admin/v1/routes/r/state")
	var sv StateView
	json.NewDecoder(resp.Body).Decode(&sv)
	resp.Body.Close()
	if len(sv.Candidates) != 1 || sv.Candidates[0].Stage != router.StagePromoted || sv.StateVersion != 3 {
		t.Fatalf("state %+v", sv)
	}
	if resp, _ := http.Get(srv.URL + "/admin/v1/routes/zzz/state"); resp.StatusCode != 404 {
		t.Fatalf("unknown route: %d", resp.StatusCode)
	}
	_ = bytes.MinRead
}
