//go:build !linux

package bgprio

import (
	"errors"
	"runtime"
)

// Lower locks the calling goroutine to its thread; only Linux has the idle
// scheduling class, elsewhere the thread keeps its priority.
func Lower() (release func(), err error) {
	runtime.LockOSThread()
	return func() {}, errors.ErrUnsupported
}

// Restored is always 0 where threads are not lowered.
func Restored() uint64 { return 0 }

// gettid has no portable meaning here; Thread reports 0.
func gettid() int { return 0 }
