//go:build !linux

package bgprio

import (
	"errors"
	"runtime"
)

// Lower locks the calling goroutine to its thread; only Linux has the idle
// scheduling class, elsewhere the thread keeps its priority.
func Lower() error {
	runtime.LockOSThread()
	return errors.ErrUnsupported
}
