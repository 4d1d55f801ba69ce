package jsonlit

import "testing"

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
