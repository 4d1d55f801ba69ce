package shadow

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/fledgling-ai/fledgling/router"
)

// TestStratifiedSamplingMeasuresRareTasks: at a 1% rate a task seen 30
// times would get ~0 samples uniformly; stratified gives it MinPerTask first.
func TestStratifiedSamplingMeasuresRareTasks(t *testing.T) {
	s := NewSampler(1000)
	r := rand.New(rand.NewPCG(1, 2))
	s.rand = r.Float64
	sh := router.Shadow{Model: "slm", Version: "v1", Rate: 0.01}
	strat := &router.Decision{Route: "r", SamplingMode: "stratified", MinPerTask: 5}
	uni := &router.Decision{Route: "r", SamplingMode: "uniform", MinPerTask: 5}
	count := func(d *router.Decision, task string, n int) int {
		k := 0
		for range n {
			if s.Take(d, sh, task) {
				k++
			}
		}
		return k
	}
	if got := count(strat, "rare", 30); got < 5 || got > 7 {
		t.Fatalf("stratified rare task: %d samples, want 5 (+ rate)", got)
	}
	if got := count(strat, "common", 20000); got < 5+150 || got > 5+260 {
		t.Fatalf("stratified common task: %d samples, want ≈ 5 + 1%% of 19995", got)
	}
	if got := count(uni, "rare2", 30); got > 3 {
		t.Fatalf("uniform rare task: %d samples", got)
	}
	if s.Take(strat, router.Shadow{Model: "slm", Rate: 0}, "x") {
		t.Fatal("rate 0 must never sample")
	}
	small := NewSampler(1)
	small.rand = func() float64 { return 0.5 }
	small.Take(strat, sh, "a")
	if small.Take(strat, sh, "b") {
		t.Fatal("beyond max_tasks a new task must fall back to the rate")
	}
}

func TestReplayBody(t *testing.T) {
	out, err := ReplayBody([]byte(`{"model":"gpt-4o","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}],"temperature":0.2}`), "slm")
	want := `{"model":"slm","stream":false,"messages":[{"role":"user","content":"hi"}],"temperature":0.2}`
	if err != nil || string(out) != want {
		t.Fatalf("got %s (%v), want %s", out, err, want)
	}
	out, _ = ReplayBody([]byte(`{"messages":[]}`), "slm")
	if string(out) != `{"messages":[],"model":"slm","stream":false}` {
		t.Fatalf("got %s", out)
	}
}

func TestLatencyBuckets(t *testing.T) {
	for _, d := range []int64{50e3, 100e3, 101e3, 1e6, 2.5e8, 5e9, 3.6e12} {
		b := latencyBucket(timeDur(d))
		if up := bucketUpper(b); up < timeDur(d) && b < latencyMaxBkt {
			t.Errorf("%v: bucket %d upper %v below it", timeDur(d), b, up)
		} else if b > 0 && bucketUpper(b-1) >= timeDur(d) {
			t.Errorf("%v: bucket %d not the smallest", timeDur(d), b)
		}
	}
}

func timeDur(ns int64) time.Duration { return time.Duration(ns) }
