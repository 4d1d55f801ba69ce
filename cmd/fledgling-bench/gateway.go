package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/fledgling-ai/fledgling/gateway"
	"github.com/fledgling-ai/fledgling/internal/config"
	"github.com/fledgling-ai/fledgling/internal/provider/fakeupstream"
	"github.com/fledgling-ai/fledgling/router"
)

var (
	gatewayModesFlag = flag.String("gateway-modes", "both", "gateway section: json, stream or both")
	gatewayRates     = flag.String("gateway-rates", "", "gateway section: comma-separated loads in req/s, 0 for closed loop (default 1000,3000,0; -quick 200,0)")
)

// parseLoads reads -gateway-rates.
func parseLoads(s string) []benchLoad {
	var loads []benchLoad
	for _, f := range strings.Split(s, ",") {
		rate, err := strconv.Atoi(strings.TrimSpace(f))
		switch {
		case err != nil || rate < 0:
			continue
		case rate == 0:
			loads = append(loads, benchLoad{"closed-64", 0})
		default:
			loads = append(loads, benchLoad{fmt.Sprintf("%d rps", rate), rate})
		}
	}
	return loads
}

// The gateway section: the same fake upstream reached (a) directly, (b)
// through a bare httputil.ReverseProxy and (c) through the gateway, for
// non-streamed and streamed chat completions, at fixed rates and
// closed-loop. Added latency is against direct in the same run.
func init() { register("gateway", 10, runGatewayBench) }

type benchTarget struct{ name, base string }

type benchLoad struct {
	name string
	rate int // requests/s; 0 = closed loop
}

// merge pools two runs of the same target and load.
func (r benchResult) merge(o benchResult) benchResult {
	lat := append(append([]time.Duration(nil), r.lat...), o.lat...)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	return benchResult{lat: lat, errors: r.errors + o.errors, elapsed: r.elapsed + o.elapsed, cpu: r.cpu + o.cpu,
		rssMiB: max(r.rssMiB, o.rssMiB), completed: r.completed + o.completed}
}

type benchResult struct {
	lat       []time.Duration
	errors    int
	elapsed   time.Duration
	cpu       time.Duration
	rssMiB    float64
	completed int
}

func runGatewayBench(ctx context.Context, quick bool) error {
	fake := fakeupstream.New()
	fake.Record, fake.Latency = false, time.Millisecond
	up, err := serveOn(fake)
	if err != nil {
		return err
	}
	rp, err := serveOn(reverseProxy(up))
	if err != nil {
		return err
	}
	gw, err := benchGateway(up)
	if err != nil {
		return err
	}
	gws, err := serveOn(gw)
	if err != nil {
		return err
	}
	targets := []benchTarget{{"direct", up}, {"reverseproxy", rp}, {"gateway", gws}}
	loads := []benchLoad{{"1000 rps", 1000}, {"3000 rps", 3000}, {"closed-64", 0}}
	dur := 6 * time.Second
	if quick { // a smoke test of the harness: light load, short stages
		dur, loads = 1500*time.Millisecond, []benchLoad{{"200 rps", 200}, {"closed-64", 0}}
	}
	if *gatewayRates != "" {
		loads = parseLoads(*gatewayRates)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: 2048, MaxIdleConnsPerHost: 2048, IdleConnTimeout: time.Minute}}
	fmt.Printf("fake upstream latency 1ms; %s per stage; process-wide CPU and RSS (client, proxy and upstream share the process)\n", dur)
	fmt.Printf("%-7s %-9s %-12s %8s %8s %8s %10s %10s %8s %9s %7s %5s\n", "mode", "load", "target", "p50", "p90", "p99", "+p50", "+p99", "req/s", "cpu/req", "rssMiB", "errs")
	for _, stream := range gatewayModes() {
		for _, l := range loads {
			if err := runLoadRounds(ctx, client, targets, stream, l, dur); err != nil {
				return err
			}
		}
	}
	return nil
}

// runLoadRounds measures every target at one load in rounds, rotating which
// goes first, so no target always runs on the warmest (or most fragmented)
// process; each target's latencies are pooled over its rounds.
func runLoadRounds(ctx context.Context, client *http.Client, targets []benchTarget, stream bool, l benchLoad, dur time.Duration) error {
	const rounds = 3
	results := make([]benchResult, len(targets))
	for round := range rounds {
		for k := range targets {
			i := (k + round) % len(targets)
			if ctx.Err() != nil {
				return ctx.Err()
			}
			results[i] = results[i].merge(runLoad(ctx, client, targets[i].base, stream, l, dur/rounds))
		}
	}
	for i, t := range targets {
		printRow(stream, l, t, results[i], results[0])
	}
	printRatio(results[0], results[1], results[2])
	return nil
}

// printRatio prints the gateway's added latency over the bare proxy's (the
// issue's target: within 1.5× at p50 and p99).
func printRatio(direct, proxy, gw benchResult) {
	ratio := func(q float64) string {
		a, b := pct(gw.lat, q)-pct(direct.lat, q), pct(proxy.lat, q)-pct(direct.lat, q)
		if b <= 0 {
			return "n/a (proxy added ≤ 0)"
		}
		return fmt.Sprintf("%.2f×", float64(a)/float64(b))
	}
	fmt.Printf("%-7s %-9s gateway added / proxy added: p50 %s, p99 %s\n", "", "", ratio(.5), ratio(.99))
}

// gatewayModes are the request kinds -gateway-modes selects.
func gatewayModes() []bool {
	switch *gatewayModesFlag {
	case "json":
		return []bool{false}
	case "stream":
		return []bool{true}
	}
	return []bool{false, true}
}

func printRow(stream bool, l benchLoad, t benchTarget, r, direct benchResult) {
	mode := "json"
	if stream {
		mode = "stream"
	}
	p := func(res benchResult, q float64) time.Duration { return pct(res.lat, q) }
	add := func(q float64) string {
		if t.name == "direct" {
			return "-"
		}
		return fmtDur(p(r, q) - p(direct, q))
	}
	cpu := time.Duration(0)
	if r.completed > 0 {
		cpu = r.cpu / time.Duration(r.completed)
	}
	fmt.Printf("%-7s %-9s %-12s %8s %8s %8s %10s %10s %8.0f %9s %7.0f %5d\n", mode, l.name, t.name, fmtDur(p(r, .5)), fmtDur(p(r, .9)), fmtDur(p(r, .99)),
		add(.5), add(.99), float64(r.completed)/r.elapsed.Seconds(), fmtDur(cpu), r.rssMiB, r.errors)
}

func fmtDur(d time.Duration) string {
	return fmt.Sprintf("%.0fµs", float64(d)/float64(time.Microsecond))
}

func pct(lat []time.Duration, q float64) time.Duration {
	if len(lat) == 0 {
		return 0
	}
	return lat[min(int(float64(len(lat))*q), len(lat)-1)]
}

// runLoad drives one target at a fixed rate (open loop) or closed loop.
func runLoad(ctx context.Context, c *http.Client, base string, stream bool, l benchLoad, dur time.Duration) benchResult {
	body := `{"model":"gpt-4o-mini","messages":[{"role":"system","content":"You are terse."},{"role":"user","content":"What is the capital of France?"}],"temperature":0}`
	if stream {
		body = strings.Replace(body, `"temperature":0`, `"temperature":0,"stream":true`, 1)
	}
	var mu sync.Mutex
	var res benchResult
	one := func() {
		start := time.Now()
		ok := benchCall(c, base, body)
		d := time.Since(start)
		mu.Lock()
		if ok {
			res.lat = append(res.lat, d)
		} else {
			res.errors++
		}
		mu.Unlock()
	}
	cpu0 := cpuTime()
	start := time.Now()
	if l.rate > 0 {
		openLoop(ctx, l.rate, dur, one)
	} else {
		closedLoop(ctx, 64, dur, one)
	}
	res.elapsed, res.cpu, res.rssMiB = time.Since(start), cpuTime()-cpu0, rssMiB()
	res.completed = len(res.lat)
	sort.Slice(res.lat, func(i, j int) bool { return res.lat[i] < res.lat[j] })
	return res
}

func openLoop(ctx context.Context, rate int, dur time.Duration, one func()) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, 1024)
	interval := time.Second / time.Duration(rate)
	next, end := time.Now(), time.Now().Add(dur)
	for next.Before(end) && ctx.Err() == nil {
		time.Sleep(time.Until(next))
		next = next.Add(interval)
		sem <- struct{}{}
		wg.Add(1)
		go func() { defer wg.Done(); one(); <-sem }()
	}
	wg.Wait()
}

func closedLoop(ctx context.Context, workers int, dur time.Duration, one func()) {
	var wg sync.WaitGroup
	var stop atomic.Bool
	time.AfterFunc(dur, func() { stop.Store(true) })
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() && ctx.Err() == nil {
				one()
			}
		}()
	}
	wg.Wait()
}

func benchCall(c *http.Client, base, body string) bool {
	req, _ := http.NewRequest("POST", base+"/v1/chat/completions", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer sk-bench")
	res, err := c.Do(req)
	if err != nil {
		return false
	}
	_, err = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return err == nil && res.StatusCode == 200
}

func serveOn(h http.Handler) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	go (&http.Server{Handler: h}).Serve(ln)
	return "http://" + ln.Addr().String(), nil
}

func reverseProxy(up string) http.Handler {
	u, _ := url.Parse(up)
	p := httputil.NewSingleHostReverseProxy(u)
	p.FlushInterval = -1
	p.Transport = &http.Transport{MaxIdleConns: 2048, MaxIdleConnsPerHost: 2048, IdleConnTimeout: time.Minute}
	return p
}

func benchGateway(up string) (*gateway.Server, error) {
	cfg, err := config.Parse([]byte(fmt.Sprintf(`
server: {listen: "127.0.0.1:0", log_level: warn}
auth: {mode: none}
providers: {up: {type: openai, base_url: "%s/v1", api_key: sk-upstream, max_idle_conns: 2048}}
models: {"*": {provider: up}}
`, up)))
	if err != nil {
		return nil, err
	}
	table, err := router.Compile(cfg)
	if err != nil {
		return nil, err
	}
	return gateway.New(gateway.Options{Config: cfg, Router: router.New(table),
		Logger: slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelWarn}))})
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func rssMiB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			var kb float64
			fmt.Sscanf(strings.TrimSpace(strings.TrimPrefix(line, "VmRSS:")), "%f", &kb)
			return kb / 1024
		}
	}
	return 0
}
