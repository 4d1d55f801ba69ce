package bgprio

import (
	"errors"
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestLowerMovesOnlyItsOwnThread checks that the goroutine that called Lower
// runs in the idle class and that other goroutines' threads keep theirs.
func TestLowerMovesOnlyItsOwnThread(t *testing.T) {
	got := make(chan uint32, 1)
	errs := make(chan error, 1)
	go func() {
		release, err := Lower()
		if err != nil {
			errs <- err
			return
		}
		defer release()
		p, err := policy()
		if err != nil {
			errs <- err
			return
		}
		got <- p
	}()
	select {
	case err := <-errs:
		t.Fatal(err)
	case p := <-got:
		if p != unix.SCHED_IDLE {
			t.Fatalf("lowered goroutine's thread has policy %d, want SCHED_IDLE (%d)", p, unix.SCHED_IDLE)
		}
	}
	// The lowered goroutine has returned and its thread has ended with it;
	// a fresh goroutine runs at normal priority.
	done := make(chan uint32)
	go func() {
		p, err := policy()
		if err != nil {
			t.Error(err)
		}
		done <- p
	}()
	if p := <-done; p != unix.SCHED_NORMAL {
		t.Fatalf("another goroutine's thread has policy %d, want SCHED_NORMAL", p)
	}
}

// TestWatchRestoresStarvedThreads drives the watch with recorded run
// delays: when one thread waited 600 ms of a second, every lowered thread
// goes back to normal priority and threads lowered during the cooldown stay
// normal; after the cooldown all are lowered again. Waiting 5 ms a second
// changes nothing; ended threads are forgotten and the watch stops.
func TestWatchRestoresStarvedThreads(t *testing.T) {
	delays := map[int]time.Duration{1: 0, 2: 0}
	policies := map[int]uint32{1: policyIdle, 2: policyIdle}
	w := &watch{interval: time.Second, cooldown: 30 * time.Second, threads: map[int]*watched{}, running: true, // the test calls check itself
		read: func(tid int) (time.Duration, error) {
			d, ok := delays[tid]
			if !ok {
				return 0, errors.New("ended")
			}
			return d, nil
		},
		set: func(tid int, p uint32) error { policies[tid] = p; return nil }}
	w.threads[1], w.threads[2] = &watched{}, &watched{}
	t0 := time.Unix(1000, 0)
	delays[1], delays[2] = 5*time.Millisecond, 5*time.Millisecond
	w.check(t0)
	if policies[1] != policyIdle || policies[2] != policyIdle || w.restored != 0 {
		t.Fatalf("5 ms of waiting a second changed policies: %v", policies)
	}
	delays[1] = 605 * time.Millisecond
	if !w.check(t0.Add(time.Second)) {
		t.Fatal("watch stopped with threads left")
	}
	if policies[1] != policyNormal || policies[2] != policyNormal || w.restored != 1 {
		t.Fatalf("after a starved second: policies %v, restored %d; want both normal, 1 restored", policies, w.restored)
	}
	delays[3] = 0
	if err := w.add(3); err != nil || policies[3] != policyNormal {
		t.Fatalf("a thread lowered during the cooldown got policy %d (err %v), want normal", policies[3], err)
	}
	w.check(t0.Add(10 * time.Second))
	if policies[1] != policyNormal {
		t.Fatal("lowered again during the cooldown")
	}
	w.check(t0.Add(32 * time.Second))
	if policies[1] != policyIdle || policies[2] != policyIdle || policies[3] != policyIdle {
		t.Fatalf("not lowered again after the cooldown: %v", policies)
	}
	delays[2] += 600 * time.Millisecond // starved again: the cooldown is now 60 s
	w.check(t0.Add(33 * time.Second))
	w.check(t0.Add(90 * time.Second))
	if policies[1] != policyNormal || w.restored != 2 {
		t.Fatalf("second restore did not double the cooldown: policies %v, restored %d", policies, w.restored)
	}
	w.check(t0.Add(94 * time.Second))
	if policies[1] != policyIdle {
		t.Fatal("not lowered again after the doubled cooldown")
	}
	delete(delays, 1)
	delete(delays, 2)
	delete(delays, 3)
	if w.check(t0.Add(95 * time.Second)) {
		t.Fatal("watch still running with every thread ended")
	}
}

// TestUnwatchableThreadIsNotLowered: without a readable run delay, add
// leaves the thread alone.
func TestUnwatchableThreadIsNotLowered(t *testing.T) {
	set := false
	w := &watch{interval: time.Second, cooldown: time.Minute, threads: map[int]*watched{}, running: true,
		read: func(int) (time.Duration, error) { return 0, errors.New("no /proc") },
		set:  func(int, uint32) error { set = true; return nil }}
	if err := w.add(7); err == nil || set || len(w.threads) != 0 {
		t.Fatalf("add of an unwatchable thread: err %v, policy set %v, watched %d", err, set, len(w.threads))
	}
}

// TestRunDelayReadsThisThread reads the calling thread's schedstat.
func TestRunDelayReadsThisThread(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if _, err := runDelay(unix.Gettid()); err != nil {
		t.Fatal(err)
	}
	if _, err := runDelay(1 << 30); err == nil {
		t.Fatal("no error for a thread that does not exist")
	}
}

// policy is the calling thread's scheduling policy.
func policy() (uint32, error) {
	a, err := unix.SchedGetAttr(0, 0)
	if err != nil {
		return 0, err
	}
	return a.Policy, nil
}
