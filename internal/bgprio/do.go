package bgprio

import (
	"fmt"
	"runtime/debug"
	"sync"
	"sync/atomic"
)

// Do runs f on the process's one idle-priority thread and returns once f
// has returned. Calls from several goroutines run one after another. A
// panic in f panics in the caller, as a *Panic carrying f's stack. f must
// not call Do.
//
// Why one thread for all background computation: a goroutine locked to a
// lowered thread needs a Go processor whenever it is woken, and Go hands it
// the waker's processor, run queue and all. With the capture writer and the
// span export each on a lowered thread of its own, one would be woken while
// the other computed, the kernel queued the woken thread behind the running
// one (both idle class, so neither gives way), and both processors of a
// 2-CPU machine sat with threads that did not run: an execution trace of the
// capture benchmark showed requests' goroutines waiting 1–4 ms in such a
// processor's queue. With one lowered thread, the thread woken is never
// queued behind another lowered thread, and the goroutines that wait for the
// work (the writer, the export) stay at normal priority, where waiting and
// network I/O cost nothing. In 11 back-to-back runs of cmd/fledgling-bench
// -only capture alternated with the two-thread version, what tracing +
// capture add at p99 was lower in 10 (median +89 % against +126 %)
// and the p99.9 of the calls lower in 9 (docs/capture-overhead.md).
func Do(f func()) {
	bgExec.once.Do(bgExec.start)
	var p *Panic
	done := make(chan struct{})
	bgExec.jobs <- func() {
		defer close(done)
		defer bgExec.ran.Add(1) // counted before the caller goes on
		defer func() {
			if v := recover(); v != nil {
				p = &Panic{Value: v, Stack: debug.Stack()}
			}
		}()
		f()
	}
	<-done
	if p != nil {
		panic(p)
	}
}

// Panic is a panic of a function run by Do, raised again in Do's caller.
type Panic struct {
	Value any
	Stack []byte // of the idle-priority thread, where it happened
}

func (p *Panic) Error() string {
	return fmt.Sprintf("%v (on the idle-priority thread)\n%s", p.Value, p.Stack)
}

// Ran counts the functions Do has run.
func Ran() uint64 { return bgExec.ran.Load() }

// Thread is the operating-system id of the thread Do runs functions on, 0
// before the first Do.
func Thread() int { return int(bgExec.tid.Load()) }

var bgExec executor

// executor is the goroutine behind Do. It starts with the first Do and lives
// as long as the process (a thread with nothing to do costs nothing).
type executor struct {
	once sync.Once
	jobs chan func()
	ran  atomic.Uint64
	tid  atomic.Int64
}

func (e *executor) start() {
	e.jobs = make(chan func())
	started := make(chan struct{})
	go func() {
		Lower() // best effort: where it fails, the functions run at normal priority
		e.tid.Store(int64(gettid()))
		close(started)
		for job := range e.jobs {
			job()
		}
	}()
	<-started
}
