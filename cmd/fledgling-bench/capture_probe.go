package main

import (
	"flag"
	"fmt"
	"runtime"
	"sync"
	"time"
)

// The machine probe says how much CPU time this machine takes away from a
// thread that never blocks, with one of its CPUs busy and then with two. On
// the 2-vCPU VMs this benchmark ran on, a spinning thread alone lost little,
// while two spinning at once lost stretches of 1–25 ms, at either priority
// (the host running something else on a vCPU; the guest sees no steal
// time). Such stretches were much of the slowest calls' time in an
// execution trace (a request's goroutine "running" for 3 ms while the other
// CPU's background thread went on): background CPU costs a call's p99 when
// it makes both CPUs busy. The capture section prints the probe before and
// after its calls, to read them by.
var captureProbe = flag.Duration("capture-probe", 2*time.Second,
	"capture section: how long the machine probe spins with one and with two CPUs busy, each (0: no probe)")

// probeTurns is how many times the probe alternates the two settings.
const probeTurns = 4

// probeGap is the shortest stall the probe counts: longer than any
// scheduling or interrupt work of the guest kernel itself.
const probeGap = 200 * time.Microsecond

// spinStats is what one spinning thread saw.
type spinStats struct {
	lost, longest time.Duration
}

// capProbe prints the machine probe's line; -quick runs shorten it to a
// quarter.
func capProbe(quick bool) {
	d := *captureProbe
	if quick {
		d /= 4
	}
	if d <= 0 {
		return
	}
	runtime.GC() // not a collection's pauses
	var one, two spinStats
	for range probeTurns { // alternated, so that a change of the machine meets both
		one = one.add(probeSpin(1, d/probeTurns))
		two = two.add(probeSpin(2, d/probeTurns))
	}
	fmt.Printf("machine probe: a thread that never blocks lost %s of %v with one CPU busy, %s of %v with both busy (stalls over %v)\n",
		one, d, two, d, probeGap)
}

// probeSpin runs n spinning threads for d and sums what they lost.
func probeSpin(n int, d time.Duration) spinStats {
	res := make([]spinStats, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res[i] = spin(d)
		}()
	}
	wg.Wait()
	var all spinStats
	for _, r := range res {
		all.lost += r.lost / time.Duration(n)
		all.longest = max(all.longest, r.longest)
	}
	return all
}

// spin reads the clock for d on a thread of its own and adds up the gaps
// between two readings longer than probeGap: time the thread did not run.
func spin(d time.Duration) spinStats {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var s spinStats
	last := time.Now()
	for end := last.Add(d); last.Before(end); {
		t := time.Now()
		if g := t.Sub(last); g > probeGap {
			s.lost += g
			s.longest = max(s.longest, g)
		}
		last = t
	}
	return s
}

func (s spinStats) add(o spinStats) spinStats {
	return spinStats{lost: s.lost + o.lost, longest: max(s.longest, o.longest)}
}

func (s spinStats) String() string {
	return fmt.Sprintf("%v (longest stall %v)", s.lost.Round(100*time.Microsecond), s.longest.Round(10*time.Microsecond))
}
