// Package stats holds the few interval estimates Fledgling's loops decide
// with: a Wilson score interval for a pass rate looked at once, and an
// anytime-valid confidence sequence for a mean in [0,1] that stays valid
// while a gate looks at it after every new sample. Shadow evaluation reports
// both; the promotion gate decides on the anytime-valid bounds, because it
// peeks continuously and a fixed-n interval peeked at repeatedly
// over-promotes (closed-loop.md §5: five looks at 1.96 give ~14% false
// positives).
//
// The API is counts in, bounds out, so callers keep only running sums:
//
//	lo, hi := stats.Wilson(passes, n, 0.95)          // fixed-n, two-sided 95%
//	lo, hi := stats.AnytimeBounds(passes, n, 0.05)   // time-uniform, 1-α = 95%
//	lo, hi := stats.AnytimeMeanBounds(sum, n, 0.05)  // same, for scores in [0,1]
package stats
