package main

import (
	"flag"
	"sync/atomic"
	"time"

	"github.com/fledgling-ai/fledgling/internal/bgprio"
)

// The idleload variant asks what background work costs the calls when it
// is nothing but work. It serves the calls with tracing and capture off,
// and while they run, a goroutine on an idle-priority thread (as the
// capture writer and span export are) computes for idleLoadBurst out of
// every idleLoadPeriod: random reads over a buffer larger than the caches,
// with no allocation, no system call and no goroutine woken. What it adds
// is what any background computation of that size adds on this machine,
// however well it keeps out of the request path's way; the table prints its
// CPU per call beside the real setups'. -capture-idleload-burst sets how
// much of each period it computes, to find how much background CPU this
// machine takes before the calls' p99 moves by the target.
var idleLoadBurst = flag.Duration("capture-idleload-burst", 4*time.Millisecond,
	"capture section, idleload variant: computation in each 10ms period (0–10ms)")

const (
	idleLoadPeriod = 10 * time.Millisecond
	idleLoadBytes  = 16 << 20
)

type idleLoad struct {
	on, done atomic.Bool
	wake     chan struct{} // on or done changed
	buf      []byte
	sink     byte
}

func startIdleLoad() *idleLoad {
	l := newIdleLoad()
	go l.run()
	return l
}

func newIdleLoad() *idleLoad {
	return &idleLoad{buf: make([]byte, idleLoadBytes), wake: make(chan struct{}, 1)}
}

func (l *idleLoad) set(on bool) {
	l.on.Store(on)
	l.poke()
}

func (l *idleLoad) stop() {
	l.done.Store(true)
	l.poke()
}

func (l *idleLoad) poke() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// run burns while on and waits, without waking, while off: the other
// setups' calls run without it.
func (l *idleLoad) run() {
	release, _ := bgprio.Lower()
	defer release()
	for !l.done.Load() {
		if !l.on.Load() {
			<-l.wake
			continue
		}
		burst := min(max(*idleLoadBurst, 0), idleLoadPeriod)
		l.burn(burst)
		time.Sleep(idleLoadPeriod - burst)
	}
}

// burn reads the buffer at pseudo-random places for d.
func (l *idleLoad) burn(d time.Duration) {
	x := uint32(1)
	for t := time.Now(); time.Since(t) < d; {
		for range 1024 {
			x = x*1103515245 + 12345
			l.sink += l.buf[int(x>>4)%len(l.buf)]
		}
	}
}
