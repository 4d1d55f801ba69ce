package gateway

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"github.com/fledgling-ai/fledgling/internal/config"
	"github.com/fledgling-ai/fledgling/internal/provider/fakeupstream"
	"github.com/fledgling-ai/fledgling/router"
)

// failFirst fails the first n requests for model with f.
func failFirst(model string, n int, f fakeupstream.Fault) func(int, fakeupstream.Request) fakeupstream.Fault {
	var seen atomic.Int64
	return func(_ int, r fakeupstream.Request) fakeupstream.Fault {
		if r.Model == model && seen.Add(1) <= int64(n) {
			return f
		}
		return fakeupstream.Fault{}
	}
}

func TestRetriesServerErrorsThenSucceeds(t *testing.T) {
	for _, status := range []int{500, 502, 503, 408, 409} {
		e := newEnv(t, failFirst("big-upstream", 2, fakeupstream.Fault{Status: status}))
		res := e.post("/v1/chat/completions", chatBody)
		readAll(t, res)
		rec := e.record()
		if res.StatusCode != 200 || len(rec.Attempts) != 3 || rec.AnsweringModel != "gpt-big" {
			t.Fatalf("status %d: got %d with %d attempts answered by %s", status, res.StatusCode, len(rec.Attempts), rec.AnsweringModel)
		}
		if rec.Attempts[0].Status != status || rec.Attempts[1].Retry != 1 || rec.Attempts[2].ErrorClass != "" {
			t.Fatalf("attempts: %+v", rec.Attempts)
		}
	}
}

func TestRetryOnConnectionRefusedFallsBack(t *testing.T) {
	e := newEnv(t, nil, func(c *config.Config, _ *Options) {
		p := c.Providers["up"]
		c.Providers["dead"] = config.Provider{Type: "openai", BaseURL: "http://127.0.0.1:1/v1", Timeouts: p.Timeouts, MaxIdleConns: 4}
		m := c.Models["gpt-big"]
		m.Provider = "dead"
		c.Models["gpt-big"] = m
	})
	res := e.post("/v1/chat/completions", chatBody)
	out := readAll(t, res)
	if res.StatusCode != 200 || gjson.Get(out, "model").String() != "gpt-small" {
		t.Fatalf("got %d %s", res.StatusCode, out)
	}
	rec := e.record()
	if len(rec.Attempts) != 4 || rec.Attempts[0].ErrorClass != "connect" || rec.Attempts[3].Fallback != 1 {
		t.Fatalf("attempts: %+v", rec.Attempts)
	}
}

func TestRetryAfterMsIsHonoured(t *testing.T) {
	e := newEnv(t, failFirst("big-upstream", 1, fakeupstream.Fault{Status: 429, Header: map[string]string{"retry-after-ms": "40"}}),
		func(c *config.Config, _ *Options) {
			c.Retry.InitialBackoff, c.Retry.MaxBackoff = time.Millisecond, time.Second
		})
	readAll(t, e.post("/v1/chat/completions", chatBody))
	rec := e.record()
	if len(rec.Attempts) != 2 {
		t.Fatalf("attempts: %+v", rec.Attempts)
	}
	if gap := rec.Attempts[1].Start.Sub(rec.Attempts[0].Start); gap < 40*time.Millisecond {
		t.Fatalf("retried after %s, upstream asked for 40ms", gap)
	}
}

func TestLong429RetryAfterIsNotHammeredAndIsRelayed(t *testing.T) {
	e := newEnv(t, byModel(map[string]fakeupstream.Fault{
		"gpt-solo": {Status: 429, Code: "rate_limit_exceeded", Header: map[string]string{"retry-after": "30"}},
	}))
	res := e.post("/v1/chat/completions", `{"model":"gpt-solo","messages":[{"role":"user","content":"x"}]}`)
	readAll(t, res)
	if res.StatusCode != 429 || res.Header.Get("Retry-After") != "30" {
		t.Fatalf("got %d retry-after %q", res.StatusCode, res.Header.Get("Retry-After"))
	}
	if n := e.countModel("gpt-solo"); n != 1 {
		t.Fatalf("a 429 asking for 30s was retried %d times", n-1)
	}
}

func TestLong429FallsBackToNextTarget(t *testing.T) {
	e := newEnv(t, byModel(map[string]fakeupstream.Fault{"big-upstream": {Status: 429, Header: map[string]string{"retry-after": "30"}}}))
	res := e.post("/v1/chat/completions", chatBody)
	out := readAll(t, res)
	if res.StatusCode != 200 || gjson.Get(out, "model").String() != "gpt-small" || e.countModel("big-upstream") != 1 {
		t.Fatalf("got %d %s after %d tries of big", res.StatusCode, out, e.countModel("big-upstream"))
	}
}

func TestContextLengthExceededFallsBack(t *testing.T) {
	e := newEnv(t, byModel(map[string]fakeupstream.Fault{"big-upstream": {Status: 400, Code: "context_length_exceeded"}}))
	res := e.post("/v1/chat/completions", chatBody)
	out := readAll(t, res)
	if res.StatusCode != 200 || gjson.Get(out, "model").String() != "gpt-small" || e.countModel("big-upstream") != 1 {
		t.Fatalf("got %d %s", res.StatusCode, out)
	}
	rec := e.record()
	if rec.Attempts[0].ErrorClass != "context_length_exceeded" || rec.AnsweringModel != "gpt-small" || rec.TargetModel != "gpt-big" {
		t.Fatalf("record %+v", rec)
	}
}

func TestContentFilterIsReturnedNotRoutedAround(t *testing.T) {
	e := newEnv(t, byModel(map[string]fakeupstream.Fault{"big-upstream": {Status: 400, Code: "content_filter"}}))
	res := e.post("/v1/chat/completions", chatBody)
	out := readAll(t, res)
	if res.StatusCode != 400 || gjson.Get(out, "error.code").String() != "content_filter" || e.countModel("gpt-small") != 0 {
		t.Fatalf("got %d %s, small called %d", res.StatusCode, out, e.countModel("gpt-small"))
	}
}

func TestSilentUpstreamTimesOutAndFallsBack(t *testing.T) {
	e := newEnv(t, byModel(map[string]fakeupstream.Fault{"big-upstream": {Delay: 3 * time.Second}}),
		func(c *config.Config, _ *Options) { c.Retry.MaxAttempts = 1 })
	start := time.Now()
	res := e.post("/v1/chat/completions", chatBody)
	out := readAll(t, res)
	if res.StatusCode != 200 || gjson.Get(out, "model").String() != "gpt-small" {
		t.Fatalf("got %d %s", res.StatusCode, out)
	}
	if time.Since(start) > 2*time.Second {
		t.Fatalf("took %s: the response-header timeout did not fire", time.Since(start))
	}
	if rec := e.record(); rec.Attempts[0].ErrorClass != "timeout_response_header" {
		t.Fatalf("attempts %+v", rec.Attempts)
	}
}

func TestAllTargetsFailingGivesGatewayError(t *testing.T) {
	e := newEnv(t, func(int, fakeupstream.Request) fakeupstream.Fault { return fakeupstream.Fault{Delay: 3 * time.Second} },
		func(c *config.Config, _ *Options) { c.Retry.MaxAttempts = 1 })
	res := e.post("/v1/chat/completions", chatBody)
	out := readAll(t, res)
	if res.StatusCode != 504 || gjson.Get(out, "error.code").String() != "upstream_timeout" {
		t.Fatalf("got %d %s", res.StatusCode, out)
	}
}

func TestBreakerOpensSkipsAndRecovers(t *testing.T) {
	var healthy atomic.Bool
	obs := &breakerLog{states: map[string]int{}}
	e := newEnv(t, func(_ int, r fakeupstream.Request) fakeupstream.Fault {
		if r.Model == "big-upstream" && !healthy.Load() {
			return fakeupstream.Fault{Status: 500}
		}
		return fakeupstream.Fault{}
	}, func(c *config.Config, o *Options) { c.Retry.MaxAttempts = 1; c.Breaker.Failures = 2; o.Breakers = obs })
	for range 2 { // two failures open the breaker (each falls back to small)
		readAll(t, e.post("/v1/chat/completions", chatBody))
	}
	if got := obs.get("gpt-big"); got != 2 {
		t.Fatalf("breaker observer saw state %d for the failing primary, want 2 (open)", got)
	}
	before := e.countModel("big-upstream")
	res := e.post("/v1/chat/completions", chatBody)
	if out := readAll(t, res); gjson.Get(out, "model").String() != "gpt-small" || e.countModel("big-upstream") != before {
		t.Fatalf("open breaker did not skip the primary: %s", out)
	}
	healthy.Store(true)
	time.Sleep(250 * time.Millisecond) // open_for 200ms: half-open
	res = e.post("/v1/chat/completions", chatBody)
	if out := readAll(t, res); gjson.Get(out, "model").String() != "gpt-big" {
		t.Fatalf("half-open probe did not reach the recovered primary: %s", out)
	}
	if s := e.gw.breaker("gpt-big").State(e.gw.rt.Load().cfg.Breaker); s != "closed" || obs.get("gpt-big") != 0 {
		t.Fatalf("breaker %s (observer %d) after a successful probe", s, obs.get("gpt-big"))
	}
}

// breakerLog is a BreakerObserver that remembers the last state per target.
type breakerLog struct {
	mu     sync.Mutex
	states map[string]int
}

func (b *breakerLog) SetBreakerState(target string, state int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.states[target] = state
}

func (b *breakerLog) get(target string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.states[target]
}

// candidateRouter serves with a candidate first, like a promoted canary.
type candidateRouter struct{}

func (candidateRouter) Decide(*router.Request) (router.Decision, error) {
	return router.Decision{Route: "main", Primary: "gpt-big", Stage: "canary-1",
		Targets: []router.Target{{Model: "gpt-small", Candidate: true, Version: "v2"}, {Model: "gpt-big"}}}, nil
}

func TestCandidateGetsOneAttemptThenFallsBackInvisibly(t *testing.T) {
	e := newEnv(t, byModel(map[string]fakeupstream.Fault{"gpt-small": {Status: 400, Code: "invalid_value"}}),
		func(_ *config.Config, o *Options) { o.Router = candidateRouter{} })
	res := e.post("/v1/chat/completions", chatBody)
	out := readAll(t, res)
	if res.StatusCode != 200 || gjson.Get(out, "model").String() != "gpt-big" || e.countModel("gpt-small") != 1 {
		t.Fatalf("got %d %s (candidate tried %d times)", res.StatusCode, out, e.countModel("gpt-small"))
	}
	rec := e.record()
	if rec.ServedByCandidate || rec.Stage != "canary-1" || len(rec.Attempts) != 2 || rec.Attempts[0].Model != "gpt-small" {
		t.Fatalf("record %+v", rec)
	}
	in, _ := rec.Usage.Input.Get()
	out2, _ := rec.Usage.Output.Get()
	if rec.CounterfactualMicros != 10*in+20*out2 {
		t.Fatalf("counterfactual %d", rec.CounterfactualMicros)
	}
}

func TestCandidateServingIsRecorded(t *testing.T) {
	e := newEnv(t, nil, func(_ *config.Config, o *Options) { o.Router = candidateRouter{} })
	readAll(t, e.post("/v1/chat/completions", chatBody))
	rec := e.record()
	if !rec.ServedByCandidate || rec.AnsweringModel != "gpt-small" || rec.CounterfactualMicros <= rec.CostMicros {
		t.Fatalf("record %+v", rec)
	}
}

func TestClientDisconnectCancelsUpstream(t *testing.T) {
	canceled := make(chan struct{}, 1)
	e := newEnv(t, func(int, fakeupstream.Request) fakeupstream.Fault {
		return fakeupstream.Fault{EventDelay: 100 * time.Millisecond, OnCancel: func() { canceled <- struct{}{} }}
	}, func(c *config.Config, _ *Options) {
		p := c.Providers["up"]
		p.Timeouts.Idle = 2 * time.Second
		c.Providers["up"] = p
	})
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "POST", e.srv.URL+"/v1/chat/completions",
		strings.NewReader(`{"model":"gpt-small","stream":true,"messages":[{"role":"user","content":"hi"}]}`))
	req.Header.Set("Authorization", "Bearer sk-team-a")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	if _, err := res.Body.Read(buf); err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case <-canceled:
	case <-time.After(2 * time.Second):
		t.Fatal("the upstream call was not cancelled when the client left")
	}
	if rec := e.record(); !rec.Truncated || rec.Status != 499 {
		t.Fatalf("record: status %d truncated %v", rec.Status, rec.Truncated)
	}
}
