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
// end to end: with the default ("idle"), once a call has been answered,
// its capture write and span building run through bgprio.Do, on a thread
// of the SCHED_IDLE class; with "normal", nothing runs there and no thread
// of the process is lowered.
func TestBackgroundWorkRunsAtIdlePriority(t *testing.T) {
	for _, priority := range []string{"normal", "idle"} {
		t.Run(priority, func(t *testing.T) {
			before, ran := idleThreads(t), bgprio.Ran() // earlier tests may have started the idle thread
			dir := t.TempDir()
			lf := httptest.NewServer(&otlpSink{})
			defer lf.Close()
			cfg := secretsConfig(t, dir, echoUpstream(t).URL, lf.URL)
			cfg.Server.BackgroundPriority = priority
			ctx, cancel := context.WithCancel(context.Background())
			h, err := Start(ctx, cfg, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			if code, body := post(t, h.URL()+"/v1/chat/completions", virtualKey, `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}`); code != 200 {
				t.Fatalf("chat: %d %s", code, body)
			}
			if priority == "idle" {
				checkRanOnIdleThread(t, ran)
			} else {
				time.Sleep(300 * time.Millisecond) // hand-off (1ms settle) and a capture flush (50ms) have run
				if n := bgprio.Ran() - ran; n != 0 {
					t.Errorf("background_priority normal: %d pieces of work ran on the idle thread, want none", n)
				}
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

// checkRanOnIdleThread waits up to 5s for work to have run through
// bgprio.Do since ran, and checks that its thread is in the SCHED_IDLE
// class.
func checkRanOnIdleThread(t *testing.T, ran uint64) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); bgprio.Ran() == ran; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no background work ran on the idle-priority thread within 5s")
		}
	}
	if !idleThreads(t)[bgprio.Thread()] {
		if bgprio.Restored() > 0 { // the starvation watch did its job
			t.Skip("the idle-priority thread is at normal priority: the machine was so busy that the starvation watch restored it (TestWatchRestoresStarvedThreads covers that)")
		}
		t.Fatalf("thread %d, where background work ran, is not in the SCHED_IDLE class", bgprio.Thread())
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
