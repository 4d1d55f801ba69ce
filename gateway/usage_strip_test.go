package gateway

import (
	"testing"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"
)

// The in-place cut renders exactly what sjson.DeleteBytes renders.
func TestAppendWithoutMemberMatchesSjson(t *testing.T) {
	cases := []string{
		`{"id":"a","choices":[],"usage":null}`,
		`{"usage":null,"id":"a"}`,
		`{"usage":null}`,
		`{ "usage" : null , "id":"a"}`,
		`{"id":"a" , "usage":{"prompt_tokens":1} ,"model":"m"}`,
		"{\n  \"id\": \"a\",\n  \"usage\": null,\n  \"x\": [1,2]\n}",
		"{\n  \"usage\": {\"a\":1}\n  ,\n  \"x\": 1\n}",
		`{"a":{"usage":1},"usage":[1,{"b":"usage"}],"z":"\"usage\""}`,
		`{"choices":[{"delta":{"content":"us\"age"}}],"usage":"x","usage":null}`,
	}
	for _, in := range cases {
		want, err := sjson.DeleteBytes([]byte(in), "usage")
		if err != nil {
			t.Fatalf("sjson %s: %v", in, err)
		}
		f := scanFields(gjson.Parse(in))
		got, ok := appendWithoutMember([]byte("junk"), []byte(in), f.usage, "usage")
		if !ok {
			t.Errorf("%s: fell back", in)
			continue
		}
		if string(got[4:]) != string(want) {
			t.Errorf("%s:\n got %s\nwant %s", in, got[4:], want)
		}
	}
}

// Shapes the cut does not handle report !ok, leaving dst as it was.
func TestAppendWithoutMemberFallsBack(t *testing.T) {
	in := []byte(`{"us\u0061ge":null,"id":"a"}`)
	u := scanFields(gjson.ParseBytes(in)).usage
	if !u.Exists() {
		t.Fatal("the escaped key is the usage member")
	}
	if out, ok := appendWithoutMember(nil, in, u, "usage"); ok || len(out) != 0 {
		t.Fatalf("escaped key: ok=%v out=%q", ok, out)
	}
	if _, ok := appendWithoutMember(nil, in, gjson.Result{}, "usage"); ok {
		t.Fatal("missing member cut")
	}
}
