package eval

import (
	"bytes"
	"encoding/json"
	"math/big"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

var (
	thinkBlock = regexp.MustCompile(`(?s)<think>.*?</think>`)
	codeFence  = regexp.MustCompile("(?s)^```[a-zA-Z]*\\s*\n(.*?)\n?```$")
	spaces     = regexp.MustCompile(`\s+`)
)

// StripThink removes <think>…</think> reasoning blocks and trims the rest.
func StripThink(s string) string {
	return strings.TrimSpace(thinkBlock.ReplaceAllString(s, ""))
}

// unfence removes one surrounding markdown code fence (```json … ```).
func unfence(s string) string {
	if m := codeFence.FindStringSubmatch(s); m != nil {
		return strings.TrimSpace(m[1])
	}
	return s
}

// decodeJSON parses s strictly (one value, numbers kept exact).
func decodeJSON(s string) (any, bool) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, false
	}
	if _, err := dec.Token(); err == nil {
		return nil, false // trailing data
	}
	return v, true
}

// Canonical renders a decoded JSON value so that equal values render equal:
// object keys sorted, no whitespace, numbers as exact rationals (1, 1.0 and
// 1e0 are the same number).
func Canonical(v any) string {
	var b bytes.Buffer
	writeCanonical(&b, v)
	return b.String()
}

func writeCanonical(b *bytes.Buffer, v any) {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Quote(k))
			b.WriteByte(':')
			writeCanonical(b, x[k])
		}
		b.WriteByte('}')
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			writeCanonical(b, e)
		}
		b.WriteByte(']')
	case json.Number:
		b.WriteString(canonicalNumber(string(x)))
	case string:
		b.WriteString(strconv.Quote(x))
	default: // bool, nil
		enc, _ := json.Marshal(x)
		b.Write(enc)
	}
}

func canonicalNumber(s string) string {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return s
	}
	return "#" + r.RatString()
}

// canonicalText normalises prose: think blocks stripped, whitespace runs
// collapsed, optionally case-folded.
func canonicalText(s string, fold bool) string {
	s = strings.TrimSpace(spaces.ReplaceAllString(StripThink(s), " "))
	if fold {
		s = strings.ToLower(s)
	}
	return s
}

// canonicalContent is the comparison form of an answer's content: canonical
// JSON when it parses as JSON (fences allowed), normalised text otherwise.
func canonicalContent(s string, fold bool) string {
	t := unfence(StripThink(s))
	if v, ok := decodeJSON(t); ok {
		if _, scalar := v.(string); !scalar {
			return "json:" + Canonical(v)
		}
	}
	return "text:" + canonicalText(s, fold)
}
