// Package eval scores one shadow pair: a candidate's answer against the
// primary's answer to the same request, used as the reference. Each
// evaluator is a pure function returning a score in [0,1] and a pass/fail,
// with sub-scores where a single number would hide what went wrong (a tool
// call with the right name but wrong arguments). The comparisons are
// canonical, not textual — JSON key order, whitespace, number formatting and
// <think> blocks never decide a pass — so a pass rate measures whether the
// candidate could do the job, not whether it typed the same bytes.
package eval
