package main

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"time"
)

// How sure a share is. The rounds of the setups ran side by side, so a
// stall of the shared machine hits the same round of every setup, and calls
// within a round are not independent (a slow second slows a run of them).
// So the interval resamples whole rounds, the same rounds for every setup:
// a paired block bootstrap. Each resample pools its rounds' calls and
// computes the share from the pooled quantiles, as the point estimate does.

// capBootstraps is the number of resamples behind an interval.
const capBootstraps = 1000

// capShareCI is the 95 % interval of the share (in percent) that on adds
// over off, relative to off's own addition over direct, at quantile q. ok
// is false when fewer than two rounds were run or off added nothing in most
// resamples.
func capShareCI(direct, off, on capResult, q int) (lo, hi float64, ok bool) {
	n := len(off.rounds)
	if n < 2 || slices.ContainsFunc(off.rounds, empty) || len(direct.rounds) != n || len(on.rounds) != n {
		return 0, 0, false
	}
	rng := rand.New(rand.NewPCG(uint64(n), uint64(q))) // reproducible for the same figures
	pick := make([]int, n)
	shares := make([]float64, 0, capBootstraps)
	for range capBootstraps {
		for i := range pick {
			pick[i] = rng.IntN(n)
		}
		d := capPooledQuantile(direct.rounds, pick, q)
		o := capPooledQuantile(off.rounds, pick, q)
		if o <= d {
			continue
		}
		x := capPooledQuantile(on.rounds, pick, q)
		shares = append(shares, 100*float64(x-o)/float64(o-d))
	}
	if len(shares) < capBootstraps/2 {
		return 0, 0, false
	}
	slices.Sort(shares)
	return shares[len(shares)*25/1000], shares[len(shares)*975/1000], true
}

func empty(r []time.Duration) bool { return len(r) == 0 }

// capPooledQuantile is the q-th percentile of the calls of the picked
// rounds, pooled (a round picked twice counts twice), as capQuantile
// computes it: the smallest latency with more than len·q/100 calls at or
// below it. Each round must be sorted; it searches instead of sorting.
func capPooledQuantile(rounds [][]time.Duration, pick []int, q int) time.Duration {
	total := 0
	lo, hi := time.Duration(math.MaxInt64), time.Duration(0)
	for _, r := range pick {
		total += len(rounds[r])
		lo, hi = min(lo, rounds[r][0]), max(hi, rounds[r][len(rounds[r])-1])
	}
	k := total * q / 100
	for lo < hi { // invariant: the answer lies in [lo, hi]
		mid := lo + (hi-lo)/2
		if capCountAtMost(rounds, pick, mid) > k {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

// capCountAtMost counts the picked rounds' calls no slower than v.
func capCountAtMost(rounds [][]time.Duration, pick []int, v time.Duration) int {
	n := 0
	for _, r := range pick {
		n += sort.Search(len(rounds[r]), func(i int) bool { return rounds[r][i] > v })
	}
	return n
}
