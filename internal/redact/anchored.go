package redact

import "bytes"

// anchored finds the matches of a builtin pattern whose every match holds
// exactly one anchor byte, with only left-class bytes before it and
// right-class bytes after it, and which has no assertions (\b, ^, $) — the
// email builtin — in the window around each anchor instead of over the
// whole text. Go's regexp tries an unanchored pattern from every position,
// which made redacting a prompt with an address in it cost more than
// building its trace; and even on the window, setting up a regexp run cost
// several times what match does by hand. FuzzEmailWindowsMatchTheRegexp
// holds replaceAll and find to what the builtin's regular expression gives.
type anchored struct {
	anchor      byte
	left, right [256]bool
	// match is the leftmost-first match in window w, whose anchor is w[at].
	match func(w []byte, at int) (lo, hi int, ok bool)
}

// emailWindows describe the email builtin: local part, '@', domain.
var emailWindows = func() *anchored {
	a := &anchored{anchor: '@', match: emailInWindow}
	for _, c := range []byte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-") {
		a.left[c], a.right[c] = true, true
	}
	for _, c := range []byte("_%+") {
		a.left[c] = true
	}
	return a
}()

// emailInWindow matches `[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}` in
// a window as regexp would: from the window's start (every byte before the
// '@' is in the local part's class), with the longest domain that is
// followed by '.' and two letters or more, and all the letters that follow.
func emailInWindow(w []byte, at int) (lo, hi int, ok bool) {
	if at == 0 {
		return 0, 0, false
	}
	for dot := len(w) - 3; dot >= at+2; dot-- {
		if w[dot] != '.' {
			continue
		}
		if n := letters(w[dot+1:]); n >= 2 {
			return 0, dot + 1 + n, true
		}
	}
	return 0, 0, false
}

// letters counts the ASCII letters b starts with.
func letters(b []byte) int {
	for i, c := range b {
		if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') {
			return i
		}
	}
	return len(b)
}

// find returns the leftmost match in b at or after from, as
// re.FindIndex(b[from:]) would (offset by from).
func (a *anchored) find(b []byte, from int) (lo, hi int, ok bool) {
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
		if mlo, mhi, ok := a.match(b[lo:hi], at-lo); ok {
			return lo + mlo, lo + mhi, true
		}
		i = at + 1
	}
	return 0, 0, false
}

// replaceAll is re.ReplaceAllLiteral(b, repl); b itself when nothing matched.
func (a *anchored) replaceAll(b, repl []byte) []byte {
	lo, hi, ok := a.find(b, 0)
	if !ok {
		return b
	}
	out := make([]byte, 0, len(b))
	last := 0
	for ok {
		out = append(append(out, b[last:lo]...), repl...)
		last = hi
		lo, hi, ok = a.find(b, hi)
	}
	return append(out, b[last:]...)
}
