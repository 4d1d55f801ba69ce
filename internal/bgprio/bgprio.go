// Package bgprio runs a background goroutine on an operating-system thread
// of the lowest CPU priority, so that its work waits for the request path
// instead of the other way round.
//
// Go has no goroutine priorities, and a goroutine that computes for a few
// milliseconds (a capture batch written to SQLite, a span batch encoded and
// compressed) keeps its thread on a CPU for that long. An execution trace of
// the capture benchmark showed what that costs a request on a small machine:
// a client wrote its request, the thread that waits for network readiness
// was woken, and the kernel queued it on the CPU where the capture writer
// was running, where it waited 1–2.5 ms while the other CPU sat idle. The
// slowest 1 % of calls were mostly those. On Linux, a thread of the idle
// scheduling class (SCHED_IDLE) gives way to any other thread woken on its
// CPU at once, and the kernel counts a CPU running only such threads as idle
// when it places a woken thread.
//
// Lower locks the goroutine to its thread for good, so that no other
// goroutine ever runs at that priority: when the goroutine returns, the Go
// runtime ends the thread.
package bgprio
