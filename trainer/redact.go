package trainer

import (
	"bytes"
	"encoding/json"
)

// redactJSON applies r to every string value of a JSON document, leaving
// object keys, numbers and layout untouched. A string whose text does not
// change keeps its original bytes, so exports stay byte-exact when nothing
// matched; a changed string is re-encoded, so the document stays valid JSON.
func redactJSON(doc []byte, r Redactor) []byte {
	var out bytes.Buffer
	i := 0
	for i < len(doc) {
		if doc[i] != '"' {
			out.WriteByte(doc[i])
			i++
			continue
		}
		end := stringEnd(doc, i)
		lit := doc[i:end]
		i = end
		if isKey(doc, i) {
			out.Write(lit)
			continue
		}
		out.Write(redactLiteral(lit, r))
	}
	return out.Bytes()
}

// stringEnd returns the index just past the string literal starting at start.
func stringEnd(doc []byte, start int) int {
	for j := start + 1; j < len(doc); j++ {
		switch doc[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(doc)
}

// isKey reports whether the literal that ended at i is an object key.
func isKey(doc []byte, i int) bool {
	for ; i < len(doc); i++ {
		switch doc[i] {
		case ' ', '\t', '\n', '\r':
			continue
		case ':':
			return true
		}
		return false
	}
	return false
}

func redactLiteral(lit []byte, r Redactor) []byte {
	var s string
	if err := json.Unmarshal(lit, &s); err != nil {
		return lit
	}
	red := r.String(s)
	if red == s {
		return lit
	}
	enc, err := json.Marshal(red)
	if err != nil {
		return lit
	}
	return enc
}
