//go:build linux

package bgprio

import (
	"fmt"
	"sync"
	"time"
)

// A thread of the idle class runs only when no other thread wants its CPU.
// When other processes keep every CPU busy, it can wait for seconds, and
// the Go runtime waits with it: a processor handed to a lowered goroutine's
// thread serves nothing else until that thread runs, and a collection stops
// the world only once every goroutine's thread has run far enough to
// notice. The watch reads, every interval, how long each lowered thread
// waited for a CPU; once any waited for more than starvedShare of the
// interval, every lowered thread goes back to normal priority, and threads
// lowered during the cooldown that follows stay normal. After it, they are
// all lowered again; each restore doubles the next cooldown, up to
// maxCooldown, so a machine that stays busy keeps them normal.
const (
	starvedShare = 0.5
	maxCooldown  = time.Hour
)

// std is the process's watch over its lowered threads.
var std = &watch{interval: 250 * time.Millisecond, cooldown: time.Minute,
	read: runDelay, set: setPolicy, threads: map[int]*watched{}}

type watch struct {
	interval time.Duration
	cooldown time.Duration
	read     func(tid int) (time.Duration, error)
	set      func(tid int, policy uint32) error

	mu          sync.Mutex
	threads     map[int]*watched
	running     bool
	normalUntil time.Time // zero while threads are lowered
	restored    uint64
}

type watched struct {
	delay time.Duration // run delay at the last check
}

// add gives thread tid the policy of the moment (idle unless a cooldown
// runs), puts it under watch and starts the watch if it is not running.
// Under the lock, so that no restore or lowering passes it by. A thread
// whose run delay cannot be read (no /proc, a kernel without schedstats)
// is not lowered: nothing would notice it starve.
func (w *watch) add(tid int) error {
	d, err := w.read(tid)
	if err != nil {
		return fmt.Errorf("not lowered, its run delay cannot be watched: %w", err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	policy := policyIdle
	if !w.normalUntil.IsZero() {
		policy = policyNormal
	}
	if err := w.set(tid, policy); err != nil {
		return err
	}
	w.threads[tid] = &watched{delay: d}
	if !w.running {
		w.running = true
		go w.loop()
	}
	return nil
}

// remove takes thread tid off the watch.
func (w *watch) remove(tid int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.threads, tid)
}

// loop checks the threads every interval until none is left.
func (w *watch) loop() {
	t := time.NewTicker(w.interval)
	defer t.Stop()
	for now := range t.C {
		if !w.check(now) {
			return
		}
	}
}

// check looks at every watched thread once, sets the policy of all of them
// if it changes, and reports whether any thread is left.
func (w *watch) check(now time.Time) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	starved := false
	for tid, th := range w.threads {
		d, err := w.read(tid)
		if err != nil { // the thread has ended with its goroutine
			delete(w.threads, tid)
			continue
		}
		starved = starved || d-th.delay > time.Duration(starvedShare*float64(w.interval))
		th.delay = d
	}
	switch {
	case starved && w.normalUntil.IsZero():
		w.normalUntil = now.Add(w.cooldown)
		w.cooldown = min(2*w.cooldown, maxCooldown)
		w.restored++
		w.setAll(policyNormal)
	case !w.normalUntil.IsZero() && now.After(w.normalUntil):
		w.normalUntil = time.Time{}
		w.setAll(policyIdle)
	}
	w.running = len(w.threads) > 0
	return w.running
}

func (w *watch) setAll(policy uint32) {
	for tid := range w.threads {
		w.set(tid, policy)
	}
}

// Restored counts the times lowered threads went back to normal priority
// because one of them was starved.
func Restored() uint64 {
	std.mu.Lock()
	defer std.mu.Unlock()
	return std.restored
}
