package jsonlit

import (
	"strings"
	"testing"
)

func TestStringEndAndIsKey(t *testing.T) {
	doc := `{"a\"b" : "x\\", "c":"unterminated`
	end := StringEnd(doc, 1)
	if doc[1:end] != `"a\"b"` || !IsKey(doc, end) {
		t.Fatalf("key literal = %q, key %v", doc[1:end], IsKey(doc, end))
	}
	v := StringEnd([]byte(doc), 10)
	if doc[10:v] != `"x\\"` || IsKey([]byte(doc), v) {
		t.Fatalf("value literal = %q, key %v", doc[10:v], IsKey(doc, v))
	}
	if e := StringEnd(doc, 21); e != len(doc) {
		t.Fatalf("unterminated literal ends at %d, want %d", e, len(doc))
	}
}

func TestMapValuesLeavesKeysAndLayout(t *testing.T) {
	doc := `{"k" : "v", "a\"b":["x\"y\\", 1, {"n":"m"}]}`
	got := MapValues(doc, func(lit string) string { return `"<` + lit[1:len(lit)-1] + `>"` })
	if want := `{"k" : "<v>", "a\"b":["<x\"y\\>", 1, {"n":"<m>"}]}`; string(got) != want {
		t.Fatalf("got %s\nwant %s", got, want)
	}
}

// mapValuesByByte is MapValues as first written: every byte copied, every
// value literal passed through value. MapValues must give the same bytes.
func mapValuesByByte(doc string, value func(string) string) string {
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
	return string(out)
}

// upperA changes the literals that hold an 'a' (and only those), so that
// a document mixes changed and unchanged literals.
func upperA(lit string) string {
	if strings.IndexByte(lit, 'a') < 0 {
		return lit
	}
	return strings.ReplaceAll(lit, "a", "[A]")
}

func FuzzMapValuesMatchesCopyingEveryByte(f *testing.F) {
	for _, s := range []string{`{"k" : "v", "a\"b":["x\"y\\", 1, {"n":"ma"}]}`, `"a"`, `["a","b","c"]`, `{"a":"a"}`, `"unclosed a`, `{"x":"\\"}`, ``} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		if got, want := string(MapValues(doc, upperA)), mapValuesByByte(doc, upperA); got != want {
			t.Fatalf("MapValues(%q) = %q, want %q", doc, got, want)
		}
		if got, want := string(MapValues([]byte(doc), func(b []byte) []byte { return []byte(upperA(string(b))) })), mapValuesByByte(doc, upperA); got != want {
			t.Fatalf("MapValues([]byte %q) = %q, want %q", doc, got, want)
		}
	})
}

func TestMapValuesReturnsAnUnchangedByteDocumentItself(t *testing.T) {
	doc := []byte(`{"k":"v","l":["x",1]}`)
	got := MapValues(doc, func(lit []byte) []byte { return append([]byte(nil), lit...) }) // equal bytes, new memory
	if string(got) != string(doc) || &got[0] != &doc[0] {
		t.Fatalf("got %s at %p, want the document itself at %p", got, &got[0], &doc[0])
	}
}
