package main

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// capTestRounds makes rounds of n calls each, drawn from base plus an
// exponential tail of mean tail, plus shift.
func capTestRounds(rng *rand.Rand, rounds, n int, base, tail, shift time.Duration) capResult {
	var r capResult
	for range rounds {
		l := make([]time.Duration, n)
		for i := range l {
			l[i] = base + time.Duration(rng.ExpFloat64()*float64(tail)) + shift
		}
		slices.Sort(l) // as capInterleaved leaves them
		r.rounds = append(r.rounds, l)
	}
	return r
}

// The interval covers the share the data were made with, and excludes 0
// when the shift is large; with no shift it covers 0.
func TestCapShareCICoversTheTrueShare(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	direct := capTestRounds(rng, 15, 2000, 70*time.Microsecond, 40*time.Microsecond, 0)
	off := capTestRounds(rng, 15, 2000, 200*time.Microsecond, 80*time.Microsecond, 0)
	aa := capTestRounds(rng, 15, 2000, 200*time.Microsecond, 80*time.Microsecond, 0)
	// off adds about (200 + 80·ln 100) − (70 + 40·ln 100) ≈ 314 µs at p99;
	// shifting every call by 157 µs adds half of that.
	on := capTestRounds(rng, 15, 2000, 200*time.Microsecond, 80*time.Microsecond, 157*time.Microsecond)

	lo, hi, ok := capShareCI(direct, off, on, 99)
	if !ok || lo > 50 || hi < 50 || lo <= 0 {
		t.Fatalf("shifted by half the own addition: CI %.1f … %.1f%% (ok %v), want it to cover 50%% and exclude 0", lo, hi, ok)
	}
	lo, hi, ok = capShareCI(direct, off, aa, 99)
	if !ok || lo > 0 || hi < 0 {
		t.Fatalf("same distribution: CI %.1f … %.1f%% (ok %v), want it to cover 0", lo, hi, ok)
	}
	if hi-lo > 40 {
		t.Fatalf("CI %.1f … %.1f%% is wider than 30,000 calls per setup should give", lo, hi)
	}
}

func TestCapShareCINeedsRounds(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	one := capTestRounds(rng, 1, 100, time.Millisecond, time.Millisecond, 0)
	if _, _, ok := capShareCI(one, one, one, 99); ok {
		t.Fatal("an interval from one round")
	}
	direct := capTestRounds(rng, 5, 100, time.Millisecond, 0, 0)
	if _, _, ok := capShareCI(direct, direct, direct, 99); ok {
		t.Fatal("an interval although off added nothing over direct")
	}
}

// The search gives what sorting the pooled calls gives.
func TestCapPooledQuantileMatchesSorting(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	r := capTestRounds(rng, 6, 37, time.Microsecond, 50*time.Microsecond, 0)
	for i := range r.rounds[4] {
		r.rounds[4][i] = r.rounds[4][i] / time.Microsecond * time.Microsecond // ties
	}
	slices.Sort(r.rounds[4])
	for range 200 {
		pick := make([]int, 1+rng.IntN(8))
		for i := range pick {
			pick[i] = rng.IntN(len(r.rounds))
		}
		var all []time.Duration
		for _, p := range pick {
			all = append(all, r.rounds[p]...)
		}
		for _, q := range []int{0, 50, 99} {
			if got, want := capPooledQuantile(r.rounds, pick, q), capQuantile(all, q); got != want {
				t.Fatalf("pick %v q%d: %v, sorting gives %v", pick, q, got, want)
			}
		}
	}
}
