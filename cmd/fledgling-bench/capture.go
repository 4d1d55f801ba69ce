package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/fledgling-ai/fledgling/gateway"
	"github.com/fledgling-ai/fledgling/internal/bgprio"
	"github.com/fledgling-ai/fledgling/internal/capture"
	"github.com/fledgling-ai/fledgling/internal/config"
	"github.com/fledgling-ai/fledgling/internal/redact"
	"github.com/fledgling-ai/fledgling/internal/store"
	"github.com/fledgling-ai/fledgling/internal/telemetry"
	"github.com/fledgling-ai/fledgling/router"
)

func init() { register("capture", 30, runCaptureBench) }

var (
	captureRates = flag.String("capture-rates", "1000,0", "capture section: comma-separated loads in req/s, 0 for back to back")
	captureCalls = flag.Int("capture-calls", 0, "capture section: calls per setup and load (default 6000; -quick 300)")
	captureParts = flag.String("capture-parts", "overhead,breakdown,throughput", "capture section: which parts to run")
	captureVars  = flag.String("capture-variants", "off,on,normalprio,aa", "capture section, overhead: gateways to compare (off, on, tracing, nodest, capture, normalprio, infinish, idleload, extload, aa)")
)

// capDefaultCalls is how many calls each setup gets at each load. A p99 of
// 2,000 calls (the default until the fifteenth session) is their 20th
// slowest, and one stall of the shared machine (10–20 ms at 1000 req/s)
// delays that many calls in a row: whichever setup it hit "lost" the run
// (pooled p99 +194 %, 95 % interval −53 … +1136 %, while its median round
// was −31 %). At 6,000 it takes three such stalls in one setup.
const capDefaultCalls = 6000

// runCaptureBench measures (1) what tracing + capture add to the gateway,
// against the same gateway without them and against calling the upstream
// directly, and (2) the capture writer's throughput on SQLite and
// PostgreSQL against a naive one-row-per-transaction writer.
func runCaptureBench(ctx context.Context, quick bool) error {
	calls := capDefaultCalls
	records := 200000
	if quick {
		calls, records = 300, 20000
	}
	if *captureCalls > 0 {
		calls = *captureCalls
	}
	dir, err := os.MkdirTemp("", "fledgling-capture-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	parts := map[string]func() error{
		"overhead":   func() error { return capOverhead(ctx, dir, calls, capParseRates(*captureRates), quick) },
		"breakdown":  func() error { return capBreakdown(ctx, dir, calls) },
		"throughput": func() error { return capThroughput(ctx, dir, records) },
	}
	for _, p := range strings.Split(*captureParts, ",") {
		run, ok := parts[strings.TrimSpace(p)]
		if !ok {
			return fmt.Errorf("-capture-parts: unknown part %q", p)
		}
		if err := run(); err != nil {
			return err
		}
		fmt.Println()
	}
	return nil
}

const capBenchBody = `{"model":"gpt-4o-mini","user":"u1","temperature":0.2,"messages":[{"role":"system","content":"You are terse."},{"role":"user","content":"What is the capital of France? Reply with one word. Contact: ops@example.com"}]}`

const capUpstreamReply = `{"id":"chatcmpl-b","object":"chat.completion","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"Paris."},"finish_reason":"stop"}],"usage":{"prompt_tokens":31,"completion_tokens":2,"total_tokens":33}}`

// capSetup is one way of serving the benchmark's calls.
type capSetup struct {
	name   string
	url    string
	after  func()            // waits for background work (records handed off, flushed)
	stats  func() childStats // CPU and allocation so far of the process that serves the setup
	during func(bool)        // if set, told when the setup's calls start (true) and end (false)
}

// setDuring tells the setup that its calls start (true) or end (false).
func (s capSetup) setDuring(on bool) {
	if s.during != nil {
		s.during(on)
	}
}

// localStats are this process's figures.
func localStats() childStats { return childStats{cpu: capCPU(), alloc: capAlloc()} }

func capOverhead(ctx context.Context, dir string, calls int, rates []int, quick bool) error {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("X-Request-Id", capRandomID()) // as OpenAI sends one: random
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(capUpstreamReply))
	}))
	defer upstream.Close()
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.Copy(io.Discard, r.Body) }))
	defer sink.Close()
	setups := []capSetup{{name: "upstream direct", url: upstream.URL + "/v1/chat/completions", after: func() {}, stats: localStats}}
	variants, err := capParseVariants(*captureVars)
	if err != nil {
		return err
	}
	for _, v := range variants {
		// each gateway writes its own database, as a deployment would
		s, closeIt, err := capInProcess(ctx, dir, upstream.URL, sink.URL, v)
		if *captureSeparate {
			s, closeIt, err = capChild(ctx, dir, upstream.URL, sink.URL, v)
		}
		if err != nil {
			return err
		}
		defer closeIt()
		setups = append(setups, s)
	}
	capProbe(quick)
	for _, rate := range rates {
		if err := capOverheadAt(ctx, setups, calls, rate); err != nil {
			return err
		}
	}
	capProbe(quick) // the machine may have changed during the run
	if !*captureSeparate {
		fmt.Printf("background threads at idle priority were starved and went back to normal priority %d time(s) (fledgling_background_priority_restored_total)\n", bgprio.Restored())
	}
	return nil
}

// capOverheadAt measures the setups at a fixed request rate (open loop),
// or back to back from one client when rate is 0. Back to back, the
// client, gateway and upstream already keep this process's cores busy, so
// the background work of tracing and capture competes with the next call.
func capOverheadAt(ctx context.Context, setups []capSetup, calls, rate int) error {
	pace := "back to back (one client, sequential)"
	if rate > 0 {
		pace = fmt.Sprintf("at %d req/s (open loop)", rate)
	}
	where := "gateways, client and fake upstream in one process"
	if *captureSeparate {
		where = "each gateway in its own process; client and fake upstream in the bench's"
	}
	fmt.Printf("\ngateway, %d non-streamed chat calls per setup %s, interleaved in %d rounds (%s; load average %s)\n",
		calls, pace, *capRounds, where, capLoad())
	res, err := capInterleaved(ctx, setups, calls, rate)
	if err != nil {
		return err
	}
	fmt.Printf("%-30s %10s %10s %10s %14s %14s %12s %12s   %s\n", "setup", "p50 µs", "p99 µs", "p99.9 µs", "added p50 µs", "added p99 µs", "CPU µs/call", "alloc KB/call", "p99 µs per round: median (min–max)")
	for i, s := range setups {
		r := res[i]
		fmt.Printf("%-30s %10.0f %10.0f %10.0f %14.0f %14.0f %12.0f %12.1f   %.0f (%.0f–%.0f)\n", s.name, us(r.p50), us(r.p99), us(r.p999),
			us(r.p50-res[0].p50), us(r.p99-res[0].p99), us(r.cpu), r.allocKB, us(r.medP99()), us(r.roundP99[0]), us(r.roundP99[len(r.roundP99)-1]))
	}
	capVerdict("tracing+capture add", res[0], res[1], res[2])
	for i := 3; i < len(setups); i++ {
		capVerdict("  "+strings.TrimSpace(setups[i].name)+":", res[0], res[1], res[i])
	}
	return nil
}

// capVerdict prints what the "on" setup adds over "off", as a share of the
// gateway's own added latency (off minus direct): at p50, at the p99 of
// all calls pooled, and at the median of the rounds' p99s, which one
// disturbed round (a stall of the shared machine) does not move.
func capVerdict(label string, direct, off, on capResult) {
	share := func(f func(capResult) time.Duration) (time.Duration, float64) {
		own := f(off) - f(direct)
		return f(on) - f(off), 100 * float64(f(on)-f(off)) / float64(own)
	}
	if off.p50 <= direct.p50 || off.p99 <= direct.p99 || off.medP99() <= direct.medP99() {
		return
	}
	d50, s50 := share(func(r capResult) time.Duration { return r.p50 })
	d99, s99 := share(func(r capResult) time.Duration { return r.p99 })
	dm, sm := share(capResult.medP99)
	fmt.Printf("%s p50 %+.0f µs = %+.1f%%%s, p99 %+.0f µs = %+.1f%%%s, median round p99 %+.0f µs = %+.1f%% of the gateway's own added latency (target < 20%%); CPU %+.0f µs/call (off the response path)\n",
		label, us(d50), s50, capCIText(direct, off, on, 50), us(d99), s99, capCIText(direct, off, on, 99), us(dm), sm, us(on.cpu-off.cpu))
}

// capCIText is " (95% CI lo … hi)" for the share at quantile q, or nothing.
func capCIText(direct, off, on capResult, q int) string {
	lo, hi, ok := capShareCI(direct, off, on, q)
	if !ok {
		return ""
	}
	return fmt.Sprintf(" (95%% CI %+.0f … %+.0f%%)", lo, hi)
}

// capRounds interleaves the setups so that load changes on a shared
// machine hit them alike.
var capRounds = flag.Int("capture-rounds", 10, "capture section, overhead: rounds the calls of each setup are split into, interleaved with the other setups")

func capInterleaved(ctx context.Context, setups []capSetup, calls, rate int) ([]capResult, error) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	lats := make([][]time.Duration, len(setups))
	cpus := make([]time.Duration, len(setups))
	allocs := make([]uint64, len(setups))
	roundP99 := make([][]time.Duration, len(setups))
	rounds := make([][][]time.Duration, len(setups))
	for _, s := range setups {
		if err := capWarmUp(ctx, client, s, rate); err != nil {
			return nil, err
		}
	}
	per := max(calls / *capRounds, 1)
	settled, err := capSettle(ctx, client, setups, per, rate, capSettleDefault)
	if err != nil {
		return nil, err
	}
	fmt.Printf("(after %d untimed round(s) of %d calls per setup, %s)\n", settled, per, capSettleDefault)
	for _, order := range capOrders(*capRounds, len(setups)) {
		for _, i := range order {
			s := setups[i]
			st0 := s.stats()
			l, err := capDriveSetup(ctx, client, s, per, rate)
			if err != nil {
				return nil, err
			}
			lats[i] = append(lats[i], l...)
			roundP99[i] = append(roundP99[i], capQuantile(l, 99))
			rounds[i] = append(rounds[i], l)
			s.after() // background work counts towards CPU per call
			st := s.stats()
			cpus[i] += st.cpu - st0.cpu
			allocs[i] += st.alloc - st0.alloc
		}
	}
	out := make([]capResult, len(setups))
	for i, l := range lats {
		slices.Sort(roundP99[i])
		out[i] = capResult{p50: capQuantile(l, 50), p99: capQuantile(l, 99), p999: capQuantilePermille(l, 999), roundP99: roundP99[i], rounds: rounds[i],
			cpu: cpus[i] / time.Duration(len(l)), allocKB: float64(allocs[i]) / 1024 / float64(len(l))}
	}
	return out, nil
}

// capWarmUp warms up a setup's connections and caches before it is
// measured: 50 calls back to back and, for an open-loop load, a quarter of
// a second at that load, so the connections it keeps open are there when
// the first round starts.
func capWarmUp(ctx context.Context, client *http.Client, s capSetup, rate int) error {
	if _, err := capDrive(ctx, client, s.url, 50, 0); err != nil {
		return fmt.Errorf("%s: %w", s.name, err)
	}
	if rate > 0 {
		if _, err := capDrive(ctx, client, s.url, max(rate/4, 1), rate); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
	}
	s.after()
	return nil
}

// capDriveSetup makes n calls to setup s, telling it while they run.
func capDriveSetup(ctx context.Context, client *http.Client, s capSetup, n, rate int) ([]time.Duration, error) {
	s.setDuring(true)
	l, err := capDrive(ctx, client, s.url, n, rate)
	s.setDuring(false)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.name, err)
	}
	return l, nil
}

// capDrive makes n calls, back to back (rate 0) or at rate per second.
func capDrive(ctx context.Context, client *http.Client, url string, n, rate int) ([]time.Duration, error) {
	lats := make([]time.Duration, 0, n)
	if rate == 0 {
		for j := 0; j < n; j++ {
			t := time.Now()
			if err := capCall(client, url); err != nil {
				return nil, err
			}
			lats = append(lats, time.Since(t))
		}
		return lats, nil
	}
	var mu sync.Mutex
	var firstErr error
	dur := time.Duration(n) * time.Second / time.Duration(rate)
	openLoop(ctx, rate, dur, func() {
		t := time.Now()
		err := capCall(client, url)
		d := time.Since(t)
		mu.Lock()
		defer mu.Unlock()
		if err != nil && firstErr == nil {
			firstErr = err
		}
		lats = append(lats, d)
	})
	return lats, firstErr
}

// capLoad is the 1-minute load average, for reading the figures.
func capLoad() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Fields(string(b))[0]
}

// medP99 is the median of the rounds' p99s.
func (r capResult) medP99() time.Duration { return r.roundP99[len(r.roundP99)/2] }

// capQuantile is the q-th percentile of l; it sorts l.
func capQuantile(l []time.Duration, q int) time.Duration {
	return capQuantilePermille(l, 10*q)
}

// capQuantilePermille is the q-th permille of l; it sorts l.
func capQuantilePermille(l []time.Duration, q int) time.Duration {
	slices.Sort(l)
	return l[len(l)*q/1000]
}

type capResult struct {
	p50, p99, cpu time.Duration
	p999          time.Duration     // the slowest 0.1 %: where stalls of milliseconds show
	roundP99      []time.Duration   // each round's p99, sorted
	rounds        [][]time.Duration // each round's latencies, sorted (capQuantile sorted them)
	allocKB       float64           // heap allocated per call, background work included
}

// capAlloc is the bytes the process has allocated on the heap so far.
func capAlloc() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.TotalAlloc
}

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

func capCall(c *http.Client, url string) error {
	req, _ := http.NewRequest("POST", url, strings.NewReader(capBenchBody))
	req.Header.Set("Authorization", "Bearer fk-bench-virtual-key-0001")
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != 200 {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}

// capCPU is the process's user+system CPU time so far.
func capCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func capBenchConfig(dir, upstream, langfuse string) (*config.Config, error) {
	y := `
server: {listen: "127.0.0.1:0", log_level: warn}
auth: {keys: [{name: bench, key: "fk-bench-virtual-key-0001"}]}
providers: {up: {base_url: "` + upstream + `/v1", api_key: "sk-bench-provider-key-0001"}}
models: {gpt-4o-mini: {provider: up}}
routes: [{name: support, match: {models: [gpt-4o-mini]}, primary: gpt-4o-mini}]
storage: {dsn: "sqlite://` + dir + `/gw.db", spill_dir: "` + dir + `/spill"}
redaction: {builtins: [email]}
telemetry: {langfuse: {host: "` + langfuse + `", public_key: pk-lf-b, secret_key: sk-lf-b}}
`
	return config.Parse([]byte(y))
}

func capParseRates(s string) []int {
	var rates []int
	for _, l := range parseLoads(s) {
		rates = append(rates, l.rate)
	}
	return rates
}

// capVariant is one way of building the gateway under test.
type capVariant int

const (
	capOff           capVariant = iota // no telemetry, redaction or capture
	capOn                              // all three, as shipped
	capTracing                         // redaction and tracing, no capture
	capCapture                         // redaction and capture, no tracing
	capOffAgain                        // a second "off" gateway: the A/A control, what noise alone gives
	capNormalPrio                      // all three, background work at normal CPU priority
	capNoDest                          // redaction and telemetry with no span destination (metrics only), no capture
	capSpansInFinish                   // all three, spans built in Finish (in the handler, after the answer) instead of on the export goroutine
	capIdleLoad                        // "off", plus a synthetic load on an idle-priority goroutine while its calls run
	capExtLoad                         // "off", plus the same load in a process of its own while its calls run
)

// capVariants gives each variant its -capture-variants name and its label
// in the table.
var capVariants = [...]struct{ flag, label string }{
	capOff:           {"off", "gateway, tracing+capture off"},
	capOn:            {"on", "gateway, tracing+capture on"},
	capTracing:       {"tracing", "  on, tracing only"},
	capCapture:       {"capture", "  on, capture only"},
	capOffAgain:      {"aa", "  off again (A/A control)"},
	capNormalPrio:    {"normalprio", "  on, background normal prio"},
	capNoDest:        {"nodest", "  on, no span destination"},
	capSpansInFinish: {"infinish", "  on, spans built in Finish"},
	capIdleLoad:      {"idleload", "  off + synthetic idle load"},
	capExtLoad:       {"extload", "  off + that load, own process"},
}

// capLookup is the variant a -capture-variants name stands for.
func capLookup(name string) (capVariant, bool) {
	for v, c := range capVariants {
		if c.flag == name {
			return capVariant(v), true
		}
	}
	return 0, false
}

// capParseVariants reads -capture-variants; off and on always come first,
// as the verdict compares them.
func capParseVariants(s string) ([]capVariant, error) {
	out := []capVariant{capOff, capOn}
	for _, name := range strings.Split(s, ",") {
		v, ok := capLookup(strings.TrimSpace(name))
		if !ok {
			return nil, fmt.Errorf("-capture-variants: unknown variant %q", name)
		}
		if (v == capIdleLoad || v == capExtLoad) && *captureSeparate {
			return nil, fmt.Errorf("-capture-variants: %s measures a gateway in the bench's process, not with -capture-separate", name)
		}
		if v != capOff && v != capOn {
			out = append(out, v)
		}
	}
	return out, nil
}

// capInProcess serves variant v from this process.
func capInProcess(ctx context.Context, dir, upstream, sink string, v capVariant) (capSetup, func(), error) {
	cfg, err := capBenchConfig(filepath.Join(dir, "gw"+capVariants[v].flag), upstream, capSink(v, sink))
	if err != nil {
		return capSetup{}, nil, err
	}
	return capGateway(ctx, cfg, v)
}

// capSink is the Langfuse host variant v exports to: none for capNoDest,
// which then records metrics and builds no spans.
func capSink(v capVariant, sink string) string {
	if v == capNoDest {
		return ""
	}
	return sink
}

// capGateway builds the gateway with or without telemetry, redaction and
// capture, and serves it on a local listener.
func capGateway(ctx context.Context, cfg *config.Config, v capVariant) (capSetup, func(), error) {
	on := v != capOff && v != capOffAgain && v != capIdleLoad && v != capExtLoad
	table, err := router.Compile(cfg)
	if err != nil {
		return capSetup{}, nil, err
	}
	log := slog.New(slog.DiscardHandler)
	if v == capNormalPrio {
		cfg.Server.BackgroundPriority = "normal"
	}
	o := gateway.Options{Config: cfg, Router: router.New(table), Logger: log}
	name := capVariants[v].label
	var closers []func()
	flush := func() {}
	if on {
		tel, w, red, closeAll, err := capComponents(ctx, cfg, log, v == capSpansInFinish)
		if err != nil {
			return capSetup{}, nil, err
		}
		o.Telemetry, o.Recorder, o.Redactor = tel, w, red
		switch v {
		case capTracing, capNoDest:
			o.Recorder = nil
		case capCapture:
			o.Telemetry = nil
		}
		closers = append(closers, closeAll)
		flush = func() { w.Flush(ctx); tel.ForceFlush(ctx) }
	}
	gw, err := gateway.New(o)
	if err != nil {
		return capSetup{}, nil, err
	}
	srv := httptest.NewServer(gw)
	after := func() { gw.Wait(ctx); flush() }
	setup := capSetup{name: name, url: srv.URL + "/v1/chat/completions", after: after, stats: localStats}
	switch v {
	case capIdleLoad:
		load := startIdleLoad()
		setup.during = load.set
		closers = append(closers, load.stop)
	case capExtLoad:
		load, err := startExtLoad()
		if err != nil {
			return capSetup{}, nil, err
		}
		setup.during = load.set
		setup.stats = func() childStats { st := localStats(); st.cpu += load.cpu(); return st }
		closers = append(closers, load.stop)
	}
	return setup, func() {
		srv.Close()
		for _, c := range closers {
			c()
		}
	}, nil
}

func capComponents(ctx context.Context, cfg *config.Config, log *slog.Logger, spansInFinish bool) (*telemetry.Telemetry, *capture.Writer, *redact.Redactor, func(), error) {
	low := cfg.Server.LowBackgroundPriority()
	tel, err := telemetry.New(ctx, cfg.Telemetry, telemetry.Options{Version: "bench", Log: log, Providers: cfg.Providers, LowPriority: low, SpansInFinish: spansInFinish})
	if err != nil {
		return nil, nil, nil, nil, err
	}
	db, err := store.Open(ctx, cfg.Storage.DSN)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	st, err := capture.Open(ctx, db)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	opt := capture.OptionsFrom(cfg.Storage, log)
	opt.LowPriority = low
	w, err := capture.NewWriter(st, opt)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	red := redact.New(cfg.Redaction)
	red.AddSecret("sk-bench-provider-key-0001")
	red.AddSecret("fk-bench-virtual-key-0001")
	return tel, w, red, func() { w.Close(ctx); tel.Shutdown(ctx); db.Close() }, nil
}

// capBreakdown itemises the CPU the "on" setup adds per call, component by
// component, each measured alone over the same realistic record.
func capBreakdown(ctx context.Context, dir string, calls int) error {
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.Copy(io.Discard, r.Body) }))
	defer sink.Close()
	cfg, err := capBenchConfig(filepath.Join(dir, "breakdown"), "http://127.0.0.1:9", sink.URL)
	if err != nil {
		return err
	}
	tel, w, red, closeAll, err := capComponents(ctx, cfg, slog.New(slog.DiscardHandler), true) // Finish's CPU includes the spans
	if err != nil {
		return err
	}
	defer closeAll()
	recs := capRecords(calls)
	req := httptest.NewRequest("POST", "/v1/chat/completions", nil)
	fmt.Printf("%-44s %12s\n", "component (alone, per call)", "CPU µs")
	steps := []struct {
		name string
		run  func(r *capture.Record)
		done func()
	}{
		{"redaction (email pattern + 2 secrets)", func(r *capture.Record) { red.Redact(r) }, func() {}},
		{"tracing: Start+Finish, Langfuse export", func(r *capture.Record) { tel.Finish(tel.Start(ctx, req), r) }, func() { tel.ForceFlush(ctx) }},
		{"capture: Record + batched SQLite write", func(r *capture.Record) { w.Record(r) }, func() { w.Flush(ctx) }},
	}
	for _, st := range steps {
		cpu0 := capCPU()
		for _, r := range recs {
			st.run(r)
		}
		st.done()
		fmt.Printf("%-44s %12.0f\n", st.name, us((capCPU()-cpu0)/time.Duration(len(recs))))
	}
	return nil
}

// capThroughput writes n records through the batched writer on each
// database and compares with one INSERT per transaction.
func capThroughput(ctx context.Context, dir string, n int) error {
	recs := capRecords(n)
	pg, dropPG, err := capPGSchema(ctx)
	if err != nil {
		fmt.Printf("postgres unavailable, skipped: %v\n", err)
	} else {
		defer dropPG()
	}
	fmt.Printf("capture writer throughput, %d records (storage.batch_size defaults: %d on SQLite, %d on PostgreSQL; flush 200ms; target ≥ 20000 records/s on sqlite; load average %s)\n",
		n, config.DefaultBatchSize, config.DefaultBatchSizePostgres, capLoad())
	fmt.Printf("%-12s %-36s %14s %18s\n", "database", "writer", "records/s", "records/CPU-s")
	for i, ids := range capIDs {
		capSetIDs(recs, ids.id)
		dsns := []string{"sqlite://" + filepath.Join(dir, fmt.Sprintf("tp%d.db", i))}
		if pg != "" {
			dsns = append(dsns, pg)
		}
		for _, dsn := range dsns {
			if err := capThroughputOne(ctx, dsn, dir, ids.name, recs); err != nil {
				return err
			}
		}
	}
	return nil
}

// capIDs are the request-id schemes the writer is measured with: the
// gateway's, which start with the time, and, as the baseline, the random ids
// it made until the ninth session (every insert lands somewhere else in the
// unique index on id).
var capIDs = []struct {
	name string
	id   func() string
}{
	{"ids as the gateway makes them", gateway.NewRequestID},
	{"random ids (baseline)", capRandomID},
}

func capRandomID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return "req_" + hex.EncodeToString(b)
}

func capSetIDs(recs []*capture.Record, id func() string) {
	for _, r := range recs {
		r.ID = id()
	}
}

func capThroughputOne(ctx context.Context, dsn, dir, ids string, recs []*capture.Record) error {
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	st, err := capture.Open(ctx, db)
	if err != nil {
		return err
	}
	if db.Dialect == store.Postgres {
		if _, err := db.ExecContext(ctx, "TRUNCATE captures"); err != nil {
			return err
		}
	}
	naive := min(2000, len(recs))
	start := time.Now()
	for _, r := range recs[:naive] {
		if err := capture.InsertOne(ctx, st, r); err != nil {
			return err
		}
	}
	fmt.Printf("%-12s %-36s %14.0f   (%s)\n", db.Dialect, "one INSERT per transaction (baseline)", float64(naive)/time.Since(start).Seconds(), ids)
	opt := capture.Options{FlushInterval: 200 * time.Millisecond, BatchSize: capBatch(db.Dialect), QueueSize: len(recs) + 1, SpillDir: filepath.Join(dir, "tp-spill-"+string(db.Dialect)+ids[:3])}
	w, err := capture.NewWriter(st, opt)
	if err != nil {
		return err
	}
	start, cpu0 := time.Now(), capCPU()
	for _, r := range recs[naive:] {
		w.Record(r)
	}
	if err := w.Close(ctx); err != nil {
		return err
	}
	el, cpu := time.Since(start), capCPU()-cpu0
	if w.Spilled() > 0 || w.Lost() > 0 {
		return fmt.Errorf("%s: %d spilled, %d lost during the throughput run", db.Dialect, w.Spilled(), w.Lost())
	}
	n := float64(len(recs) - naive)
	fmt.Printf("%-12s %-36s %14.0f %18.0f   (%s)\n", db.Dialect, "batched writer (Record → Close)", n/el.Seconds(), n/cpu.Seconds(), ids)
	return nil
}

// capBatch is storage.batch_size's default for the dialect.
func capBatch(d store.Dialect) int {
	if d == store.Postgres {
		return config.DefaultBatchSizePostgres
	}
	return config.DefaultBatchSize
}

func capRecords(n int) []*capture.Record {
	recs := make([]*capture.Record, n)
	base := time.Now().Add(-time.Hour)
	for i := range recs {
		recs[i] = &capture.Record{
			ID: gateway.NewRequestID(), Time: base.Add(time.Duration(i) * time.Microsecond), Kind: capture.KindChat,
			Route: "support", KeyID: "bench", RequestedModel: "gpt-4o-mini", AnsweringModel: "gpt-4o-mini", Provider: "up",
			Request: []byte(capBenchBody), Status: 200, Latency: 300 * time.Millisecond, CostMicros: 12, Priced: true,
		}
		recs[i].Response.Content = "Paris."
		recs[i].Response.FinishReason = "stop"
	}
	return recs
}

// capPGSchema creates a throwaway schema on the test PostgreSQL.
func capPGSchema(ctx context.Context) (string, func(), error) {
	base := os.Getenv("FLEDGLING_BENCH_POSTGRES")
	if base == "" {
		base = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	admin, err := store.Open(ctx, base)
	if err != nil {
		return "", nil, err
	}
	b := make([]byte, 4)
	rand.Read(b)
	schema := "bench_capture_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		return "", nil, err
	}
	drop := func() {
		admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		admin.Close()
	}
	return base + "&search_path=" + schema, drop, nil
}
