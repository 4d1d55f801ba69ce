package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/fledgling-ai/fledgling/gateway"
	"github.com/fledgling-ai/fledgling/internal/capture"
	"github.com/fledgling-ai/fledgling/internal/config"
	"github.com/fledgling-ai/fledgling/internal/store"
	"github.com/fledgling-ai/fledgling/router"
	"github.com/fledgling-ai/fledgling/shadow"
)

func init() { register("shadow", 40, runShadowBench) }

// runShadowBench measures what mirroring costs the client: the same gateway
// and fake primary, with the tee off and with the tee on at 100% sampling
// to a candidate that never answers (queues fill, calls hang until their
// timeout, drops are counted). Rounds alternate between the setups so drift
// on the shared machine hits both alike. Memory is read after the run to
// show the queues keep it bounded.
func runShadowBench(ctx context.Context, quick bool) error {
	calls, rounds, workers := 4000, 8, 4
	if quick {
		calls, rounds = 800, 4
	}
	dir, err := os.MkdirTemp("", "fledgling-shadow-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	env, err := newShadowBenchEnv(ctx, dir)
	if err != nil {
		return err
	}
	defer env.close()
	heap0, rss0 := shadowMem()
	lat, roundP99 := map[string][]time.Duration{}, map[string][]time.Duration{}
	for r := range rounds {
		for _, s := range env.setups {
			l, err := shadowRound(s.url, calls/rounds, workers)
			if err != nil {
				return fmt.Errorf("%s round %d: %w", s.name, r, err)
			}
			lat[s.name] = append(lat[s.name], l...)
			roundP99[s.name] = append(roundP99[s.name], shadowQuantiles(l)[1])
		}
	}
	fmt.Printf("primary latency through the gateway, %d calls per setup in %d alternating rounds, %d concurrent clients, fake primary answering in 2 ms\n", calls, rounds, workers)
	fmt.Printf("%-44s %10s %10s %10s %16s %10s\n", "setup", "p50 µs", "p99 µs", "p99 Δ", "median round p99", "Δ")
	base, baseRound := shadowQuantiles(lat[env.setups[0].name]), shadowQuantiles(roundP99[env.setups[0].name])[0]
	for _, s := range env.setups {
		q, qr := shadowQuantiles(lat[s.name]), shadowQuantiles(roundP99[s.name])[0]
		fmt.Printf("%-44s %10.0f %10.0f %+9.1f%% %16.0f %+9.1f%%\n", s.name, us(q[0]), us(q[1]), 100*float64(q[1]-base[1])/float64(base[1]),
			us(qr), 100*float64(qr-baseRound)/float64(baseRound))
	}
	runtime.GC()
	heap1, rss1 := shadowMem()
	fmt.Printf("hung candidate: %.0f calls queued (queue_size %d), %.0f in flight (concurrency %d), %.0f dropped when full\n",
		env.gauge("fledgling_shadow_queue_depth"), env.queueSize, env.inflight(), env.concurrency, env.counter("fledgling_shadow_dropped_total"))
	fmt.Printf("memory after %d shadowed calls: heap in use %.1f MiB (before %.1f MiB), RSS %.1f MiB (before %.1f MiB)\n",
		calls, shadowMiB(heap1), shadowMiB(heap0), shadowMiB(rss1), shadowMiB(rss0))
	dup := env.duplicateCost()
	runtime.GC()
	heap2, rss2 := shadowMem()
	fmt.Printf("tee.Duplicate on its caller (100%% sampling, queue full → drop): %d ns/op, %d allocs/op over %d calls; then heap %.1f MiB, RSS %.1f MiB (bounded by the queue, not the traffic)\n",
		dup.NsPerOp(), dup.AllocsPerOp(), dup.N, shadowMiB(heap2), shadowMiB(rss2))
	return nil
}

type shadowSetup struct{ name, url string }

// duplicateCost times the tee's own work on its caller against the hung
// candidate's full queue: sample, copy out, offer, count the drop.
func (e *shadowBenchEnv) duplicateCost() testing.BenchmarkResult {
	rec := &capture.Record{ID: "bench", Kind: capture.KindChat, Request: []byte(capBenchBody), Status: 200, TaskKey: "t"}
	d := router.Decision{Route: "support", Primary: "gpt-4o-mini", Shadows: []router.Shadow{{Model: "slm", Version: "v1", Rate: 1}}}
	ctx := context.Background()
	return testing.Benchmark(func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			e.tee.Duplicate(ctx, rec, d)
		}
	})
}

type shadowBenchEnv struct {
	setups                 []shadowSetup
	reg                    *prometheus.Registry
	queueSize, concurrency int
	hung                   *hangingUpstream
	tee                    *shadow.Tee
	closers                []func()
}

func (e *shadowBenchEnv) close() {
	for i := len(e.closers) - 1; i >= 0; i-- {
		e.closers[i]()
	}
}

func newShadowBenchEnv(ctx context.Context, dir string) (*shadowBenchEnv, error) {
	primary := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		time.Sleep(2 * time.Millisecond)
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(capUpstreamReply))
	}))
	hung := newHangingUpstream()
	env := &shadowBenchEnv{reg: prometheus.NewRegistry(), hung: hung, closers: []func(){primary.Close, hung.close}}
	cfg, err := config.Parse([]byte(`
server: {listen: "127.0.0.1:0", log_level: warn}
auth: {keys: [{name: bench, key: "fk-bench-virtual-key-0001"}]}
providers: {up: {base_url: "` + primary.URL + `/v1"}, slm: {base_url: "` + hung.srv.URL + `/v1"}}
models: {gpt-4o-mini: {provider: up}, slm: {provider: slm}}
routes: [{name: support, match: {models: [gpt-4o-mini]}, primary: gpt-4o-mini, candidates: [{model: slm, sample_rate: 1}]}]
storage: {dsn: "sqlite://` + dir + `/gw.db", spill_dir: "` + dir + `/spill"}
shadow: {queue_size: 256, concurrency: 4, timeout: 60s}
`))
	if err != nil {
		env.close()
		return nil, err
	}
	env.queueSize, env.concurrency = cfg.Shadow.QueueSize, cfg.Shadow.Concurrency
	for _, on := range []bool{false, true} {
		s, err := env.gateway(ctx, cfg, on)
		if err != nil {
			env.close()
			return nil, err
		}
		env.setups = append(env.setups, s)
	}
	return env, nil
}

func (e *shadowBenchEnv) gateway(ctx context.Context, cfg *config.Config, on bool) (shadowSetup, error) {
	table, err := router.Compile(cfg)
	if err != nil {
		return shadowSetup{}, err
	}
	o := gateway.Options{Config: cfg, Router: router.New(table), Logger: slog.New(slog.DiscardHandler)}
	name := "shadowing off"
	if on {
		db, err := store.Open(ctx, cfg.Storage.DSN)
		if err != nil {
			return shadowSetup{}, err
		}
		st, err := shadow.NewStore(ctx, db, 0.05)
		if err != nil {
			return shadowSetup{}, err
		}
		tee := shadow.NewTee(shadow.Options{QueueSize: cfg.Shadow.QueueSize, Concurrency: cfg.Shadow.Concurrency, Timeout: cfg.Shadow.Timeout},
			shadow.Deps{Caller: shadowBenchCaller{e.hung.srv.URL + "/v1"}, Store: st, Metrics: shadow.NewMetrics(e.reg)})
		o.Tee, e.tee = tee, tee
		name = "shadowing on, 100% to a hanging candidate"
		e.closers = append(e.closers, func() {
			c, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()
			tee.Close(c)
			db.Close()
		})
	}
	gw, err := gateway.New(o)
	if err != nil {
		return shadowSetup{}, err
	}
	srv := httptest.NewServer(gw)
	e.closers = append(e.closers, srv.Close)
	return shadowSetup{name: name, url: srv.URL + "/v1/chat/completions"}, nil
}

// shadowRound makes n calls from workers concurrent clients.
func shadowRound(url string, n, workers int) ([]time.Duration, error) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
	out := make([]time.Duration, n)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				t := time.Now()
				if err := capCall(client, url); err != nil {
					mu.Lock()
					firstErr = err
					mu.Unlock()
					return
				}
				out[i] = time.Since(t)
			}
		}()
	}
	wg.Wait()
	return out, firstErr
}

func shadowQuantiles(l []time.Duration) [2]time.Duration {
	s := append([]time.Duration(nil), l...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return [2]time.Duration{s[len(s)/2], s[len(s)*99/100]}
}

// hangingUpstream accepts shadow calls and never answers until closed.
type hangingUpstream struct {
	srv     *httptest.Server
	release chan struct{}
	mu      sync.Mutex
	open    int
}

func newHangingUpstream() *hangingUpstream {
	h := &hangingUpstream{release: make(chan struct{})}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		h.open++
		h.mu.Unlock()
		defer func() { h.mu.Lock(); h.open--; h.mu.Unlock() }()
		select {
		case <-h.release:
		case <-r.Context().Done():
		}
	}))
	return h
}

func (h *hangingUpstream) close() { close(h.release); h.srv.Close() }

func (e *shadowBenchEnv) inflight() float64 {
	e.hung.mu.Lock()
	defer e.hung.mu.Unlock()
	return float64(e.hung.open)
}

// shadowBenchCaller posts shadow calls to one OpenAI-compatible base URL.
type shadowBenchCaller struct{ base string }

func (c shadowBenchCaller) Call(ctx context.Context, _ string, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/chat/completions", bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, 16<<20))
	return res.StatusCode, b, err
}

func (e *shadowBenchEnv) counter(name string) float64 { return e.sum(name) }
func (e *shadowBenchEnv) gauge(name string) float64   { return e.sum(name) }

// sum adds every series of a metric family.
func (e *shadowBenchEnv) sum(name string) float64 {
	fams, _ := e.reg.Gather()
	var total float64
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			total += shadowMetricValue(m)
		}
	}
	return total
}

func shadowMetricValue(m *dto.Metric) float64 {
	switch {
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	}
	return 0
}

// memNow is the Go heap in use and the process RSS, in bytes.
func shadowMem() (heap, rss uint64) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	if b, err := os.ReadFile("/proc/self/statm"); err == nil {
		if f := strings.Fields(string(b)); len(f) > 1 {
			pages, _ := strconv.ParseUint(f[1], 10, 64)
			rss = pages * uint64(os.Getpagesize())
		}
	}
	return ms.HeapInuse, rss
}

func shadowMiB(b uint64) float64 { return float64(b) / (1 << 20) }
