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
// for byte. A document whose literals all stay as they were is returned as
// it is when T is a byte slice (so the result may share doc's memory) and
// converted once when T is a string; the copy is made, run by run between
// literals, only once value changes one.
func MapValues[T ~string | ~[]byte](doc T, value func(lit T) T) []byte {
	var out []byte
	copied := 0 // doc[:copied] is in out
	for i := 0; i < len(doc); {
		q := indexQuote(doc, i)
		if q < 0 {
			break
		}
		end := StringEnd(doc, q)
		i = end
		if IsKey(doc, end) {
			continue
		}
		lit := doc[q:end]
		red := value(lit)
		if len(red) == len(lit) && string(red) == string(lit) {
			continue
		}
		if out == nil {
			out = make([]byte, 0, len(doc)+len(red)-len(lit))
		}
		out = append(append(out, doc[copied:q]...), red...)
		copied = end
	}
	if out == nil {
		return []byte(doc)
	}
	return append(out, doc[copied:]...)
}

// indexQuote is the index of the first '"' in doc at or after from, or -1.
func indexQuote[T ~string | ~[]byte](doc T, from int) int {
	for i := from; i < len(doc); i++ {
		if doc[i] == '"' {
			return i
		}
	}
	return -1
}
