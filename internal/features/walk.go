package features

import (
	"strings"

	"github.com/tidwall/gjson"
)

// walker reads a JSON document in one forward pass without building values:
// the fast path of ExtractInto. gjson's ForEach and Get find the end of every
// value they step over and then scan it again when descending, so the fields
// the features need were read two to four times. The walker is strict: at the
// first byte it does not expect it stops with ok false and ExtractInto starts
// over on the gjson path, which therefore defines the result for any input
// the walker does not take (a test compares both on every input it takes).
type walker struct {
	s  string
	i  int
	ok bool
}

func (w *walker) fail() bool { w.ok = false; return false }

func (w *walker) ws() {
	for w.i < len(w.s) {
		switch w.s[w.i] {
		case ' ', '\t', '\n', '\r':
			w.i++
		default:
			return
		}
	}
}

// peek is the next non-space byte (0 at the end).
func (w *walker) peek() byte {
	w.ws()
	if w.i >= len(w.s) {
		return 0
	}
	return w.s[w.i]
}

// str reads a string literal and returns its value (unescaped by gjson when
// it holds an escape, exactly as the gjson path sees it) and its raw bytes.
// Keys and the few values the features use are short: one byte loop finds
// both the end and any escape.
func (w *walker) str() (val, raw string) {
	if w.peek() != '"' {
		w.fail()
		return "", ""
	}
	start, esc := w.i, false
	j := start + 1
	for j < len(w.s) && w.s[j] != '"' {
		if w.s[j] == '\\' {
			esc = true
			j++
		}
		j++
	}
	if j >= len(w.s) {
		w.fail()
		return "", ""
	}
	w.i, raw = j+1, w.s[start:j+1]
	if esc {
		return gjson.Parse(raw).Str, raw
	}
	return raw[1 : len(raw)-1], raw
}

// skipStr steps over a string literal whose value is not needed (tool
// descriptions, schemas). Most are short keys and type names, which a byte
// loop ends soonest; past 16 bytes IndexByte finds each quote, and a quote
// after an odd run of backslashes is part of the text.
func (w *walker) skipStr() {
	start, j := w.i, w.i+1
	for end := min(j+16, len(w.s)); j < end; j++ {
		switch w.s[j] {
		case '"':
			w.i = j + 1
			return
		case '\\':
			j++
		}
	}
	for j < len(w.s) {
		k := strings.IndexByte(w.s[j:], '"')
		if k < 0 {
			break
		}
		j += k
		n := 0
		for j-1-n > start && w.s[j-1-n] == '\\' {
			n++
		}
		j++
		if n%2 == 0 {
			w.i = j
			return
		}
	}
	w.fail()
}

// skip steps over one value and returns its raw bytes.
func (w *walker) skip() string {
	c := w.peek()
	start := w.i
	switch {
	case c == '"':
		w.skipStr()
	case c == '{' || c == '[':
		w.squash()
	case c == 't':
		w.literal("true")
	case c == 'f':
		w.literal("false")
	case c == 'n':
		w.literal("null")
	case c == '-' || c >= '0' && c <= '9':
		w.number()
	default:
		w.fail()
	}
	return w.s[start:w.i]
}

// squash steps over an object or array whose contents are not read (tool
// parameters, schemas, tool calls) the way gjson's parseSquash does, so
// both paths end it at the same byte: brackets of every kind, '(' and ')'
// included, nest; strings are stepped over whole; nothing else is checked.
// An unclosed value fails the walk.
func (w *walker) squash() {
	depth := 0
	for j := w.i; j < len(w.s); j++ {
		switch w.s[j] {
		case '"':
			w.i = j
			if w.skipStr(); !w.ok {
				return
			}
			j = w.i - 1
		case '{', '[', '(':
			depth++
		case '}', ']', ')':
			if depth--; depth == 0 {
				w.i = j + 1
				return
			}
		}
	}
	w.fail()
}

func (w *walker) literal(lit string) {
	if !strings.HasPrefix(w.s[w.i:], lit) {
		w.fail()
		return
	}
	w.i += len(lit)
}

func (w *walker) number() {
	j := w.i
	for j < len(w.s) && strings.IndexByte("+-.eE0123456789", w.s[j]) >= 0 {
		j++
	}
	w.i = j
}

// object reads {"key": value, …}; member is called with the walker at each
// value and must consume it, returning false to stop.
func (w *walker) object(member func(key string) bool) {
	if !w.open('{', '}') {
		return
	}
	for w.ok {
		key, _ := w.str()
		if !w.ok || w.peek() != ':' {
			w.fail()
			return
		}
		w.i++
		if !member(key) || !w.ok {
			return
		}
		if !w.closeOrComma('}') {
			return
		}
	}
}

// array reads [value, …]; elem must consume one value.
func (w *walker) array(elem func() bool) {
	if !w.open('[', ']') {
		return
	}
	for w.ok {
		if !elem() || !w.ok {
			return
		}
		if !w.closeOrComma(']') {
			return
		}
	}
}

// open consumes the opening bracket; false means there is nothing to read:
// the container is empty (its closing bracket consumed too) or absent
// (the walk failed).
func (w *walker) open(start, end byte) bool {
	if w.peek() != start {
		return w.fail()
	}
	w.i++
	if w.peek() == end {
		w.i++
		return false
	}
	return true
}

// closeOrComma consumes the separator after a member or element; it
// returns false at the closing bracket (consumed) or on a syntax error.
func (w *walker) closeOrComma(end byte) bool {
	switch w.peek() {
	case ',':
		w.i++
		return true
	case end:
		w.i++
		return false
	}
	return w.fail()
}

// value is one value's type and bytes, enough to stand in for the
// gjson.Result the gjson path would hold.
type value struct {
	kind byte   // first byte: '"', '{', '[', 't', 'f', 'n', a digit or '-'; 0 when absent
	str  string // the unescaped string when kind is '"'
	raw  string
}

// read consumes a value, keeping its string form.
func (w *walker) read() value {
	c := w.peek()
	if c == '"' {
		s, raw := w.str()
		return value{kind: c, str: s, raw: raw}
	}
	return value{kind: c, raw: w.skip()}
}

// firstEach consumes one value: for an object, member is called at each
// member's value and must consume it; anything else is skipped.
func (w *walker) firstEach(member func(key string) bool) {
	if w.peek() != '{' {
		w.skip()
		return
	}
	w.object(member)
}

// firstDo consumes one value; at the object's member named key it calls
// at, which must consume that member's value. A key given twice fails the
// walk: gjson's Get may then read past the first one (a path that does not
// resolve in the first "a" of "a.b" is tried in the next).
func (w *walker) firstDo(key string, at func()) {
	done := false
	w.firstEach(func(k string) bool {
		switch {
		case k != key:
			w.skip()
		case done:
			return w.fail()
		default:
			done = true
			at()
		}
		return w.ok
	})
}

// first consumes one value and returns its first member named key, as
// gjson's Get(key): a zero value when absent or when the value is not an
// object.
func (w *walker) first(key string) value {
	var out value
	w.firstDo(key, func() { out = w.read() })
	return out
}
