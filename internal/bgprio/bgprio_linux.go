package bgprio

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Lower moves the calling goroutine to a thread of its own in the idle
// scheduling class and puts the thread under the starvation watch. Call it
// first thing in a background goroutine that never unlocks its thread, and
// defer the function it returns, which takes the thread off the watch
// before it ends (so that a later thread given the same id is never
// touched). The goroutine keeps its thread even when the change fails.
func Lower() (release func(), err error) {
	runtime.LockOSThread()
	tid := unix.Gettid()
	if err := std.add(tid); err != nil {
		return func() {}, err
	}
	return func() { std.remove(tid) }, nil
}

func setPolicy(tid int, policy uint32) error {
	if err := unix.SchedSetAttr(tid, &unix.SchedAttr{Policy: policy}, 0); err != nil {
		return fmt.Errorf("sched_setattr policy %d: %w", policy, err)
	}
	return nil
}

// runDelay is how long thread tid has waited for a CPU since it started
// (the second field of its schedstat), or an error once it has ended.
func runDelay(tid int) (time.Duration, error) {
	b, err := os.ReadFile("/proc/self/task/" + strconv.Itoa(tid) + "/schedstat")
	if err != nil {
		return 0, err
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0, fmt.Errorf("schedstat of thread %d: %q", tid, b)
	}
	n, err := strconv.ParseInt(f[1], 10, 64)
	return time.Duration(n), err
}

const (
	policyIdle   uint32 = unix.SCHED_IDLE
	policyNormal uint32 = unix.SCHED_NORMAL
)

func gettid() int { return unix.Gettid() }
