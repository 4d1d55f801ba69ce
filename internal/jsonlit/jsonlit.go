// Package jsonlit walks the string literals of a JSON document without
// decoding it, so redaction and span-content truncation can rewrite string
// values in place while leaving keys, numbers and layout byte for byte; and
// it writes string literals as encoding/json does, for the encoders that
// build JSON without reflection (capture records, model parameters).
package jsonlit

// StringEnd returns the index just past the closing quote of the string
// literal that starts at doc[start] (a '"'), or len(doc) if it is unclosed.
func StringEnd[T ~string | ~[]byte](doc T, start int) int {
	for i := start + 1; i < len(doc); i++ {
		switch doc[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(doc)
}

// IsKey reports whether the literal that ended at end is an object key:
// the next non-space byte is ':'.
func IsKey[T ~string | ~[]byte](doc T, end int) bool {
	for j := end; j < len(doc); j++ {
		switch doc[j] {
		case ' ', '\t', '\n', '\r':
			continue
		case ':':
			return true
		default:
			return false
		}
	}
	return false
}

// MapValues returns doc with every string value (not key) literal lit,
// quotes included, replaced by value(lit); everything else is copied byte
// for byte.
func MapValues[T ~string | ~[]byte](doc T, value func(lit T) T) []byte {
	out := make([]byte, 0, len(doc))
	for i := 0; i < len(doc); {
		if doc[i] != '"' {
			out = append(out, doc[i])
			i++
			continue
		}
		end := StringEnd(doc, i)
		lit := doc[i:end]
		if !IsKey(doc, end) {
			lit = value(lit)
		}
		out = append(out, lit...)
		i = end
	}
	return out
}
