package app

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"os"
	"strconv"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/fledgling-ai/fledgling/internal/bgprio"
)

// TestBackgroundWorkRunsAtIdlePriority checks server.background_priority
// end to end: with the default ("idle"), once a call has been answered
// and handed off, the process has threads of the SCHED_IDLE class (the
// capture writer and the Langfuse span export); with "normal", it has
// none.
func TestBackgroundWorkRunsAtIdlePriority(t *testing.T) {
	for _, c := range []struct {
		priority string
		atLeast  int
	}{{"normal", 0}, {"idle", 2}} {
		t.Run(c.priority, func(t *testing.T) {
			before := idleThreads(t) // earlier tests' hand-off workers may linger
			dir := t.TempDir()
			lf := httptest.NewServer(&otlpSink{})
			defer lf.Close()
			cfg := secretsConfig(t, dir, echoUpstream(t).URL, lf.URL)
			cfg.Server.BackgroundPriority = c.priority
			ctx, cancel := context.WithCancel(context.Background())
			h, err := Start(ctx, cfg, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			if code, body := post(t, h.URL()+"/v1/chat/completions", virtualKey, `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}`); code != 200 {
				t.Fatalf("chat: %d %s", code, body)
			}
			if c.atLeast > 0 {
				if n := waitIdleThreads(t, before, c.atLeast); n < c.atLeast {
					if bgprio.Restored() > 0 { // the starvation watch did its job, and its cooldown keeps new threads normal
						t.Skipf("%d threads went to SCHED_IDLE: the machine was so busy that the starvation watch put lowered threads back to normal priority (TestWatchRestoresStarvedThreads covers that)", n)
					}
					t.Fatalf("%d threads went to SCHED_IDLE, want at least %d", n, c.atLeast)
				}
			} else {
				time.Sleep(300 * time.Millisecond) // hand-off (1ms settle) and a capture flush (50ms) have run
				if n := len(lowered(before, idleThreads(t))); n != 0 {
					t.Errorf("background_priority normal: %d threads went to SCHED_IDLE, want none", n)
				}
			}
			cancel()
			if err := h.Wait(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// waitIdleThreads waits up to 5s for at least want threads to have gone to
// SCHED_IDLE since before, and returns how many did.
func waitIdleThreads(t *testing.T, before map[int]bool, want int) int {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for n := 0; ; time.Sleep(20 * time.Millisecond) {
		if n = len(lowered(before, idleThreads(t))); n >= want || time.Now().After(deadline) {
			return n
		}
	}
}

// lowered is the threads idle now that were not idle before.
func lowered(before, now map[int]bool) []int {
	var out []int
	for tid := range now {
		if !before[tid] {
			out = append(out, tid)
		}
	}
	return out
}

// idleThreads is this process's threads in the SCHED_IDLE class.
func idleThreads(t *testing.T) map[int]bool {
	entries, err := os.ReadDir("/proc/self/task")
	if err != nil {
		t.Fatal(err)
	}
	idle := map[int]bool{}
	for _, e := range entries {
		tid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if a, err := unix.SchedGetAttr(tid, 0); err == nil && a.Policy == unix.SCHED_IDLE {
			idle[tid] = true
		}
	}
	return idle
}
