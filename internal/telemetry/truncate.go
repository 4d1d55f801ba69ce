package telemetry

import (
	"encoding/json"
	"unicode/utf8"

	"github.com/fledgling-ai/fledgling/internal/jsonlit"
)

// truncMark ends a string that was cut to fit max_content_bytes.
const truncMark = "…[truncated]"

// truncateJSON shrinks a JSON document to at most max bytes while keeping it
// valid JSON with its structure and key order: every string longer than a
// cap is cut (with a marker), the cap found by binary search. If even empty
// strings do not fit, the document is replaced by a small valid object that
// says so and keeps a prefix of the original text.
func truncateJSON(doc string, max int) string {
	if len(doc) <= max || max <= 0 {
		return doc
	}
	if !json.Valid([]byte(doc)) {
		return jsonString(cutString(doc, max-32))
	}
	lo, hi, best := 0, len(doc), ""
	for lo <= hi {
		mid := (lo + hi) / 2
		out := capStrings(doc, mid)
		if len(out) <= max {
			best, lo = out, mid+1
		} else {
			hi = mid - 1
		}
	}
	if best != "" {
		return best
	}
	return jsonString(map[string]any{"truncated": true, "original_bytes": len(doc), "prefix": cutString(doc, max/2)})
}

// capStrings rewrites every string value (not key) longer than limit bytes.
func capStrings(doc string, limit int) string {
	return string(jsonlit.MapValues(doc, func(lit string) string {
		var s string
		if len(lit)-2 > limit && json.Unmarshal([]byte(lit), &s) == nil && len(s) > limit {
			return jsonString(cutString(s, limit) + truncMark)
		}
		return lit
	}))
}

// cutString cuts s to at most n bytes on a rune boundary.
func cutString(s string, n int) string {
	if n < 0 {
		n = 0
	}
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
