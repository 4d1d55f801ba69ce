package redact

import (
	"bytes"
	"regexp"
)

// anchored runs a pattern whose every match holds exactly one anchor byte
// with only left-class bytes before it and right-class bytes after it, and
// which has no assertions (\b, ^, $) — the email builtin — on the window
// around each anchor instead of the whole text. Go's regexp tries an
// unanchored pattern from every position, which made redacting a prompt
// with an address in it cost more than building its trace.
type anchored struct {
	anchor      byte
	left, right [256]bool
}

// emailWindows describe the email builtin: local part, '@', domain.
var emailWindows = func() *anchored {
	a := &anchored{anchor: '@'}
	for _, c := range []byte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-") {
		a.left[c], a.right[c] = true, true
	}
	for _, c := range []byte("_%+") {
		a.left[c] = true
	}
	return a
}()

// find returns the leftmost match of re in b at or after from, as
// re.FindIndex(b[from:]) would (offset by from).
func (a *anchored) find(re *regexp.Regexp, b []byte, from int) (lo, hi int, ok bool) {
	for i := from; i < len(b); {
		k := bytes.IndexByte(b[i:], a.anchor)
		if k < 0 {
			return 0, 0, false
		}
		at := i + k
		lo, hi = at, at+1
		for lo > from && a.left[b[lo-1]] {
			lo--
		}
		for hi < len(b) && a.right[b[hi]] {
			hi++
		}
		if loc := re.FindIndex(b[lo:hi]); loc != nil {
			return lo + loc[0], lo + loc[1], true
		}
		i = at + 1
	}
	return 0, 0, false
}

// replaceAll is re.ReplaceAllLiteral(b, repl); b itself when nothing matched.
func (a *anchored) replaceAll(re *regexp.Regexp, b, repl []byte) []byte {
	lo, hi, ok := a.find(re, b, 0)
	if !ok {
		return b
	}
	out := make([]byte, 0, len(b))
	last := 0
	for ok {
		out = append(append(out, b[last:lo]...), repl...)
		last = hi
		lo, hi, ok = a.find(re, b, hi)
	}
	return append(out, b[last:]...)
}
