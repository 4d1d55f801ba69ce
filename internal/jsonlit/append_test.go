package jsonlit

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"
)

// AppendString writes what json.Marshal writes for the same string, for
// random byte strings (control characters, HTML, invalid UTF-8, U+2028).
func TestAppendStringMatchesJSONMarshal(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	pieces := []string{"a", "é", "日", "🎉", "\u2028", "\u2029", "<", ">", "&", `"`, `\`, "\x00", "\x1f", "\x7f", "\xff", "\xe2\x82", "\b", "\f", "\n", "\r", "\t"}
	for i := 0; i < 20000; i++ {
		var s string
		for n := rng.IntN(12); n > 0; n-- {
			if rng.IntN(4) == 0 {
				s += string(rune(rng.IntN(256)))[:1]
				continue
			}
			s += pieces[rng.IntN(len(pieces))]
		}
		want, _ := json.Marshal(s)
		if got := AppendString(nil, s); !bytes.Equal(got, want) {
			t.Fatalf("%q: got %s, json.Marshal %s", s, got, want)
		}
	}
}

func FuzzAppendString(f *testing.F) {
	f.Add("plain <b>&</b> \u2028 \xff")
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := AppendString(nil, s); !bytes.Equal(got, want) {
			t.Fatalf("%q: got %s, json.Marshal %s", s, got, want)
		}
	})
}
