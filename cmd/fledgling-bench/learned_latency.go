package main

import (
	"fmt"
	"os"
	"runtime"
	"slices"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/fledgling-ai/fledgling/internal/features"
	"github.com/fledgling-ai/fledgling/internal/onnx"
	"github.com/fledgling-ai/fledgling/trainer/learned"
)

// latencyTable times the per-request routing work: features alone (the
// baseline), features + ONNX Runtime score, features + the same model in Go;
// then the ONNX path with 2 goroutines on one session (mutex-like) and on a
// pool of 2. The single-goroutine paths run interleaved in latencyRounds
// rounds, so a few noisy seconds on a shared host hit every path alike; the
// table gives the pooled figures and the median p99 of the rounds.
func latencyTable(reqs []demoRequest, models []*learned.Model, quick bool) error {
	iters := 20000
	if quick {
		iters = 3000
	}
	load, _ := os.ReadFile("/proc/loadavg")
	fmt.Printf("\nrouting decision latency over %d requests per path in %d interleaved rounds (target p99 < 50µs); load average now %s",
		iters, latencyRounds, load)
	fmt.Println("wall = elapsed time; cpu = the calling thread's CPU time (excludes time the thread waited for a core)")
	printNoise()
	paths, closeAll, err := latencyPaths(models)
	if err != nil {
		return err
	}
	defer closeAll()
	fmt.Printf("%-40s %9s %9s %9s %9s %9s   %s\n", "path", "wall p50", "wall p99", "cpu p50", "cpu p99", "cpu max", "wall p99 per round: median (min–max)")
	all := make([]timings, len(paths))
	rounds := make([][]float64, len(paths))
	for r := 0; r < latencyRounds; r++ {
		for i, p := range paths {
			t := timeEach(reqs, iters/latencyRounds, p.f)
			all[i].merge(t)
			rounds[i] = append(rounds[i], quantileUS(sorted(t.durs), 0.99))
		}
	}
	for i, p := range paths {
		report(p.name, all[i], rounds[i])
	}
	return contention(reqs, models[len(models)-1], iters)
}

const latencyRounds = 5

type latencyPath struct {
	name string
	f    func([]byte) error
}

// latencyPaths are the timed paths: two calibrated spins, features alone,
// and per model features + ONNX score and features + Go score.
func latencyPaths(models []*learned.Model) ([]latencyPath, func(), error) {
	buf := make([]float32, features.Dim)
	var paths []latencyPath
	for _, us := range []int{5, 10} {
		spin := calibrateSpin(time.Duration(us) * time.Microsecond)
		paths = append(paths, latencyPath{fmt.Sprintf("spin of %dµs (machine baseline)", us), func([]byte) error { spin(); return nil }})
	}
	paths = append(paths, latencyPath{"features only (baseline)", func(b []byte) error { features.ExtractInto(buf, b, ""); return nil }})
	var sessions []*onnx.Scorer
	closeAll := func() {
		for _, s := range sessions {
			s.Close()
		}
	}
	for _, m := range models {
		s, err := onnx.OpenBytes(m.ONNX(), onnx.Options{Sessions: 1})
		if err != nil {
			closeAll()
			return nil, nil, err
		}
		sessions = append(sessions, s)
		kind := fmt.Sprintf("%s(%d hidden)", map[bool]string{true: "MLP", false: "logistic"}[m.Hidden > 0], m.Hidden)
		paths = append(paths,
			latencyPath{"features + ONNX score, " + kind, func(b []byte) error {
				features.ExtractInto(buf, b, "")
				_, err := s.Score(buf)
				return err
			}},
			latencyPath{"features + Go score, " + kind, func(b []byte) error {
				features.ExtractInto(buf, b, "")
				_, err := m.Score(buf)
				return err
			}})
	}
	return paths, closeAll, nil
}

// contention runs the ONNX path from 2 goroutines with 1 and 2 sessions.
func contention(reqs []demoRequest, m *learned.Model, iters int) error {
	for _, sessions := range []int{1, 2} {
		s, err := onnx.OpenBytes(m.ONNX(), onnx.Options{Sessions: sessions})
		if err != nil {
			return err
		}
		var mu sync.Mutex
		var all timings
		var wg sync.WaitGroup
		for g := 0; g < 2; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				buf := make([]float32, features.Dim)
				d := timeEach(reqs[g:], iters/2, func(b []byte) error {
					features.ExtractInto(buf, b, "")
					_, err := s.Score(buf)
					return err
				})
				mu.Lock()
				all.merge(d)
				mu.Unlock()
			}(g)
		}
		wg.Wait()
		s.Close()
		report(fmt.Sprintf("2 goroutines, MLP, %d session(s)", sessions), all, nil)
	}
	return nil
}

type timings struct {
	durs, cpu []time.Duration
	err       error
}

func (t *timings) merge(o timings) {
	t.durs = append(t.durs, o.durs...)
	t.cpu = append(t.cpu, o.cpu...)
	if o.err != nil && t.err == nil {
		t.err = o.err
	}
}

func sorted(d []time.Duration) []time.Duration {
	d = slices.Clone(d)
	slices.Sort(d)
	return d
}

// quantileUS is the p-quantile of sorted durations, in µs.
func quantileUS(d []time.Duration, p float64) float64 {
	if len(d) == 0 {
		return 0
	}
	return float64(d[int(p*float64(len(d)-1))].Nanoseconds()) / 1e3
}

// timeEach runs f on iters request bodies, timing each call by the wall
// clock and by the thread's CPU clock (the goroutine is locked to its thread).
// As testing.B does, it starts after a full GC (training the models above
// leaves a large heap whose collection would otherwise run during the
// timings) and after a warm-up pass over the bodies.
func timeEach(reqs []demoRequest, iters int, f func([]byte) error) timings {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for i := range min(len(reqs), iters) {
		_ = f(reqs[i].body)
	}
	runtime.GC()
	t := timings{durs: make([]time.Duration, 0, iters), cpu: make([]time.Duration, 0, iters)}
	for i := 0; i < iters; i++ {
		b := reqs[i%len(reqs)].body
		c0 := threadCPU()
		start := time.Now()
		err := f(b)
		t.durs = append(t.durs, time.Since(start))
		t.cpu = append(t.cpu, threadCPU()-c0)
		if err != nil && t.err == nil {
			t.err = err
		}
	}
	return t
}

// calibrateSpin returns a pure CPU loop lasting about d: timed like the
// routing paths, its p99 shows what this machine alone adds to a call of
// that length.
func calibrateSpin(d time.Duration) func() {
	const n = 100000
	best := time.Hour
	for range 20 { // the fastest run is the one no stall hit
		start := time.Now()
		spinN(n)
		best = min(best, time.Since(start))
	}
	k := max(1, int(float64(n)*float64(d)/float64(best)))
	return func() { spinN(k) }
}

var spinSink uint64

func spinN(n int) {
	x := spinSink
	for i := 0; i < n; i++ {
		x = x*6364136223846793005 + 1442695040888963407
	}
	spinSink = x
}

// printNoise reports how often this machine takes the CPU away from a
// running thread (interrupts, hypervisor exits) and for how long: a call of
// T µs is hit with probability ≈ rate × T, and a hit adds about one gap.
// Once that probability passes 1%, p99 is a hit call, whatever the code.
func printNoise() {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	const window = time.Second
	var gaps []time.Duration
	start := time.Now()
	last := start
	for last.Sub(start) < window {
		now := time.Now()
		if d := now.Sub(last); d > 10*time.Microsecond {
			gaps = append(gaps, d)
		}
		last = now
	}
	if len(gaps) == 0 {
		fmt.Println("machine noise: no thread stalls over 10µs in 1s")
		return
	}
	slices.Sort(gaps)
	rate := float64(len(gaps)) / window.Seconds()
	fmt.Printf("machine noise (baseline): %.0f thread stalls/s over 10µs, median %.0fµs, p90 %.0fµs; a 10µs call is hit with p ≈ %.1f%%\n",
		rate, float64(gaps[len(gaps)/2].Nanoseconds())/1e3, float64(gaps[len(gaps)*9/10].Nanoseconds())/1e3, rate*10e-6*100)
}

func threadCPU() time.Duration {
	var ts unix.Timespec
	_ = unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts)
	return time.Duration(ts.Nano())
}

func report(name string, t timings, roundP99 []float64) {
	if t.err != nil {
		fmt.Printf("%-40s error: %v\n", name, t.err)
		return
	}
	w, c := sorted(t.durs), sorted(t.cpu)
	fmt.Printf("%-40s %9.1f %9.1f %9.1f %9.1f %9.1f", name, quantileUS(w, 0.5), quantileUS(w, 0.99), quantileUS(c, 0.5), quantileUS(c, 0.99), quantileUS(c, 1))
	if len(roundP99) > 0 {
		r := slices.Clone(roundP99)
		slices.Sort(r)
		fmt.Printf("   %.1f (%.1f–%.1f)", r[len(r)/2], r[0], r[len(r)-1])
	}
	fmt.Println()
}
