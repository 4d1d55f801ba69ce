package bgprio

import (
	"testing"

	"golang.org/x/sys/unix"
)

// TestLowerMovesOnlyItsOwnThread checks that the goroutine that called Lower
// runs in the idle class and that other goroutines' threads keep theirs.
func TestLowerMovesOnlyItsOwnThread(t *testing.T) {
	got := make(chan uint32, 1)
	errs := make(chan error, 1)
	go func() {
		if err := Lower(); err != nil {
			errs <- err
			return
		}
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
