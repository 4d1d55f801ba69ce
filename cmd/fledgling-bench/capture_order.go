package main

import "math/rand/v2"

// capOrders is the order in which each of the rounds runs the n setups:
// a permutation per round, the same in every run, chosen so that each setup
// runs right after each of the others about equally often (the step from
// one round to the next included, and never right after itself) and in
// each place of the round about equally often (for up to six setups;
// with more, 2,000 random candidates a round balance them less well).
//
// A setup leaves something behind for the one after it. With a fixed order
// "off" always ran right after the direct calls and beat its A/A twin in
// 5 of 5 runs (seventh session). Then each round drew a permutation of its
// own, but the draws put "on" right after the direct calls in 7 of its 14
// steps against 3 for "off", and "on" measured after the direct calls had a
// p99 of 456–510 µs against about 400 after the others (eighth session).
func capOrders(rounds, n int) [][]int {
	var best [][]int
	bestSpread := 0
	for seed := range capOrderTries {
		c := newCapOrderCounts(n)
		orders := c.greedy(rounds, rand.New(rand.NewPCG(uint64(n), uint64(seed))))
		if spread := c.spread(); best == nil || spread < bestSpread {
			best, bestSpread = orders, spread
		}
	}
	return best
}

// capOrderTries is how many greedy sequences capOrders draws; the most
// even one is kept. capOrderCandidates is how many random permutations
// each round chooses from (all of them, in effect, for up to six setups).
const (
	capOrderTries      = 20
	capOrderCandidates = 2000
)

// capOrderCounts counts, for a sequence of rounds, how often setup i ran
// right after setup j (after[i][j]) and in place k of a round (at[i][k]).
type capOrderCounts struct {
	after, at [][]int
	last      int // the setup that ran last, -1 before the first round
}

func newCapOrderCounts(n int) *capOrderCounts {
	c := &capOrderCounts{after: make([][]int, n), at: make([][]int, n), last: -1}
	for i := range n {
		c.after[i], c.at[i] = make([]int, n), make([]int, n)
	}
	return c
}

// greedy picks each round's order, in turn, as the candidate that leaves
// the counts most even.
func (c *capOrderCounts) greedy(rounds int, rng *rand.Rand) [][]int {
	n := len(c.at)
	out := make([][]int, 0, rounds)
	for range rounds {
		best, bestCost := []int(nil), 0
		for range capOrderCandidates {
			p := rng.Perm(n)
			if cost := c.costWith(p); best == nil || cost < bestCost {
				best, bestCost = p, cost
			}
		}
		c.add(best, 1)
		c.last = best[n-1]
		out = append(out, best)
	}
	return out
}

// add counts (sign 1) or uncounts (-1) the round p, run after c.last.
func (c *capOrderCounts) add(p []int, sign int) {
	prev := c.last
	for k, i := range p {
		if prev >= 0 {
			c.after[i][prev] += sign
		}
		c.at[i][k] += sign
		prev = i
	}
}

// costWith is how uneven the counts would be with round p added: the sum
// of their squares (each round adds the same number of counts, so the sum
// is least when they are spread evenly), a setup running right after
// itself costing more than any spread.
func (c *capOrderCounts) costWith(p []int) int {
	c.add(p, 1)
	defer c.add(p, -1)
	cost := 0
	for i := range c.after {
		for j, v := range c.after[i] {
			if j == i {
				cost += v << 20
				continue
			}
			cost += 4 * v * v // what ran before matters most
		}
		for _, v := range c.at[i] {
			cost += v * v
		}
	}
	return cost
}

// spread is the largest difference between two counts of one setup (two
// predecessors, or two places), plus a whole round's worth for each time a
// setup ran right after itself.
func (c *capOrderCounts) spread() int {
	spread, self := 0, 0
	for i := range c.after {
		self += c.after[i][i] * len(c.after)
		spread = max(spread, capSpread(c.after[i], i), capSpread(c.at[i], -1))
	}
	return spread + self
}

// capSpread is the largest count in row minus the smallest, leaving out
// index skip.
func capSpread(row []int, skip int) int {
	lo, hi := -1, 0
	for j, v := range row {
		if j == skip {
			continue
		}
		if lo < 0 || v < lo {
			lo = v
		}
		hi = max(hi, v)
	}
	return hi - max(lo, 0)
}
