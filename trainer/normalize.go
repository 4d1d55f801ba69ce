package trainer

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"unicode"
)

// normalize is the near-duplicate key's text form: lower-case, every digit,
// punctuation mark and symbol replaced by a space, and runs of white space
// collapsed to one space. "Order #123 for Bob!" and "order 456 for bob"
// normalise to the same "order for bob". Two examples whose prompts normalise
// to the same text are one item: only the first seen is kept (when near
// de-duplication is on), and they always fall in the same split.
func normalize(s string) string {
	var b strings.Builder
	space := true
	for _, r := range strings.ToLower(s) {
		if unicode.IsDigit(r) || unicode.IsPunct(r) || unicode.IsSymbol(r) || unicode.IsSpace(r) {
			if !space {
				b.WriteByte(' ')
				space = true
			}
			continue
		}
		b.WriteRune(r)
		space = false
	}
	return strings.TrimSpace(b.String())
}

func sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
