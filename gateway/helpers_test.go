package gateway

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fledgling-ai/fledgling/internal/capture"
	"github.com/fledgling-ai/fledgling/internal/config"
	"github.com/fledgling-ai/fledgling/internal/openai"
	"github.com/fledgling-ai/fledgling/internal/provider/fakeupstream"
	"github.com/fledgling-ai/fledgling/router"
)

const testConfig = `
server: {listen: "127.0.0.1:0", max_body_bytes: 4096}
auth:
  mode: keys
  keys:
    - {name: team-a, key: sk-team-a}
    - {name: limited, key: sk-limited, models: [gpt-small]}
  admin_keys:
    - {name: ops, key: sk-admin}
providers:
  up:
    type: openai
    base_url: UPSTREAM
    api_key: sk-upstream
    headers: {x-provider-extra: "1"}
    timeouts: {connect: 1s, response_header: 300ms, first_token: 300ms, idle: 300ms, total: 5s}
models:
  gpt-big: {provider: up, model: big-upstream}
  gpt-small: {provider: up}
  gpt-solo: {provider: up}
  text-embedding-3-small: {provider: up}
routes:
  - name: main
    match: {models: [gpt-big]}
    primary: gpt-big
    fallbacks: [gpt-small]
retry: {max_attempts: 3, initial_backoff: 1ms, max_backoff: 50ms}
breaker: {failures: 3, open_for: 200ms, half_open_probes: 1}
storage: {dsn: "sqlite://:memory:"}
`

// env is a gateway in front of a fake upstream, with collaborators that
// collect what the gateway hands them.
type env struct {
	t    *testing.T
	fake *fakeupstream.Server
	up   *httptest.Server
	gw   *Server
	srv  *httptest.Server
	recs chan *capture.Record
	tel  *testTelemetry
}

type testRecorder struct{ ch chan *capture.Record }

func (r testRecorder) Record(rec *capture.Record) { r.ch <- rec }

type testTelemetry struct {
	mu             sync.Mutex
	starts, finish int
}

func (t *testTelemetry) Start(ctx context.Context, _ *http.Request) context.Context {
	t.mu.Lock()
	t.starts++
	t.mu.Unlock()
	return ctx
}

func (t *testTelemetry) Finish(context.Context, *capture.Record) {
	t.mu.Lock()
	t.finish++
	t.mu.Unlock()
}

// testPricer prices every model at 1 micro-USD per input token and 2 per
// output token, except "gpt-big" at 10 and 20.
type testPricer struct{}

func (testPricer) Cost(model string, u openai.Usage) (int64, bool) {
	in, out := u.Input.Or(0), u.Output.Or(0)
	switch model {
	case "gpt-big":
		return 10*in + 20*out, true
	case "unpriced":
		return 0, false
	}
	return in + 2*out, true
}

type configT = config.Config

type envOption func(*config.Config, *Options)

func newEnv(t *testing.T, fault func(n int, r fakeupstream.Request) fakeupstream.Fault, opts ...envOption) *env {
	t.Helper()
	e := &env{t: t, fake: fakeupstream.New(), recs: make(chan *capture.Record, 64), tel: &testTelemetry{}}
	e.fake.Fault = fault
	e.up = httptest.NewServer(e.fake)
	t.Cleanup(e.up.Close)
	cfg, err := config.Parse([]byte(strings.Replace(testConfig, "UPSTREAM", e.up.URL+"/v1", 1)))
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	table, err := router.Compile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	o := Options{Config: cfg, Router: router.New(table), Recorder: testRecorder{e.recs}, Telemetry: e.tel, Pricer: testPricer{},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for _, opt := range opts {
		opt(cfg, &o)
	}
	if e.gw, err = New(o); err != nil {
		t.Fatal(err)
	}
	e.srv = httptest.NewServer(e.gw)
	t.Cleanup(e.srv.Close)
	return e
}

// testGateway is a gateway on testConfig in front of upstream (a base URL
// ending in /v1), with the collaborators in o.
func testGateway(tb testing.TB, upstream string, o Options) *Server {
	tb.Helper()
	cfg, err := config.Parse([]byte(strings.Replace(testConfig, "UPSTREAM", upstream, 1)))
	if err != nil {
		tb.Fatal(err)
	}
	table, err := router.Compile(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	o.Config, o.Router, o.Logger = cfg, router.New(table), slog.New(slog.NewTextHandler(io.Discard, nil))
	gw, err := New(o)
	if err != nil {
		tb.Fatal(err)
	}
	return gw
}

// post sends a JSON body with the team-a key.
func (e *env) post(path, body string, hdr ...string) *http.Response {
	e.t.Helper()
	req, _ := http.NewRequest("POST", e.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer sk-team-a")
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("POST %s: %v", path, err)
	}
	return res
}

func readAll(t *testing.T, res *http.Response) string {
	t.Helper()
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return string(b)
}

// record waits for the next captured record.
func (e *env) record() *capture.Record {
	e.t.Helper()
	select {
	case r := <-e.recs:
		return r
	case <-time.After(3 * time.Second):
		e.t.Fatal("no record captured")
		return nil
	}
}

// byModel answers faults per upstream model name.
func byModel(m map[string]fakeupstream.Fault) func(int, fakeupstream.Request) fakeupstream.Fault {
	return func(_ int, r fakeupstream.Request) fakeupstream.Fault { return m[r.Model] }
}

// countModel counts the fake's requests for an upstream model.
func (e *env) countModel(model string) int {
	n := 0
	for _, r := range e.fake.Requests() {
		if r.Model == model {
			n++
		}
	}
	return n
}

// sseData returns the data payloads of an SSE body.
func sseData(body string) []string {
	var out []string
	for _, line := range strings.Split(body, "\n") {
		if strings.HasPrefix(line, "data: ") {
			out = append(out, strings.TrimPrefix(line, "data: "))
		}
	}
	return out
}

const chatBody = `{"model":"gpt-big","messages":[{"role":"user","content":"What is the capital of France?"}]}`

var _ = bytes.Equal

func (e *env) get(path, key string) *http.Response {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	return res
}

// blockingPricer holds every costing until release is closed.
type blockingPricer struct{ release chan struct{} }

func (p blockingPricer) Cost(model string, u openai.Usage) (int64, bool) {
	<-p.release
	return testPricer{}.Cost(model, u)
}
