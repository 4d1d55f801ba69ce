package bgprio

import (
	"fmt"
	"runtime"

	"golang.org/x/sys/unix"
)

// Lower moves the calling goroutine to a thread of its own in the idle
// scheduling class. Call it first thing in a background goroutine that never
// unlocks its thread. The goroutine keeps its thread even when the change
// fails.
func Lower() error {
	runtime.LockOSThread()
	if err := unix.SchedSetAttr(0, &unix.SchedAttr{Policy: unix.SCHED_IDLE}, 0); err != nil {
		return fmt.Errorf("sched_setattr SCHED_IDLE: %w", err)
	}
	return nil
}

// policy is the calling thread's scheduling policy (for tests).
func policy() (uint32, error) {
	a, err := unix.SchedGetAttr(0, 0)
	if err != nil {
		return 0, err
	}
	return a.Policy, nil
}
