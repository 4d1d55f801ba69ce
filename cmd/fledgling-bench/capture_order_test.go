package main

import (
	"slices"
	"testing"
)

// Every round is a permutation, the sequence is the same in every run, no
// setup runs right after itself, and each setup runs right after each of the
// others (counting the step from round to round) equally often give or
// take one, and in each place of a round give or take two.
func TestCapOrdersBalanceWhatEachSetupRunsAfter(t *testing.T) {
	for _, n := range []int{3, 4, 5, 6, 11} { // the bench has at least direct, off and on
		for _, rounds := range []int{1, 5, 15, 16} {
			orders := capOrders(rounds, n)
			if !slices.EqualFunc(orders, capOrders(rounds, n), slices.Equal[[]int]) {
				t.Fatalf("n %d, %d rounds: not reproducible", n, rounds)
			}
			if len(orders) != rounds {
				t.Fatalf("n %d: %d orders for %d rounds", n, len(orders), rounds)
			}
			after, at := make([][]int, n), make([][]int, n)
			for i := range after {
				after[i], at[i] = make([]int, n), make([]int, n)
			}
			prev := -1
			for r, order := range orders {
				seen := make([]bool, n)
				for k, i := range order {
					if i < 0 || i >= n || seen[i] {
						t.Fatalf("n %d, round %d: %v is not a permutation of 0..%d", n, r, order, n-1)
					}
					seen[i] = true
					if prev == i {
						t.Fatalf("n %d, round %d: %d runs right after itself", n, r, i)
					}
					if prev >= 0 {
						after[i][prev]++
					}
					at[i][k]++
					prev = i
				}
			}
			if n <= 6 { // beyond, 2,000 random candidates a round are too few of n! to balance this well
				checkBalance(t, n, rounds, "ran after the others", after, true, 1)
				checkBalance(t, n, rounds, "ran in each place", at, false, 2)
			}
		}
	}
}

// checkBalance fails when, over at least n rounds, one count of a setup
// exceeds another by more than slack (leaving out the diagonal when
// skipSelf).
func checkBalance(t *testing.T, n, rounds int, what string, counts [][]int, skipSelf bool, slack int) {
	t.Helper()
	if rounds < n {
		return
	}
	for i, row := range counts {
		lo, hi := -1, 0
		for j, c := range row {
			if skipSelf && j == i {
				continue
			}
			if lo < 0 || c < lo {
				lo = c
			}
			hi = max(hi, c)
		}
		if hi-lo > slack {
			t.Fatalf("n %d, %d rounds: setup %d %s %v times", n, rounds, i, what, row)
		}
	}
}
