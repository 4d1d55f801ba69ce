package features

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

const reqA = `{"model":"m","messages":[{"role":"system","content":"You are a helpful assistant."},{"role":"user","content":"Calculate the factorial of 5 using math functions."}],"tools":[{"type":"function","function":{"name":"math_factorial","parameters":{}}}]}`

func norm(v []float32) float64 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	return math.Sqrt(s)
}

func TestLayout(t *testing.T) {
	if Dim != 2208 || DenseUserLenBucket+UserLenBuckets > DenseSlots {
		t.Fatalf("Dim = %d, the documented layout says 2208", Dim)
	}
	v := Extract([]byte(reqA), "")
	for _, b := range []struct {
		name     string
		off, len int
	}{{"user", UserOff, TextBuckets}, {"system", SystemOff, TextBuckets}, {"tools", ToolOff, ToolBuckets}} {
		if n := norm(v[b.off : b.off+b.len]); math.Abs(n-1) > 1e-5 {
			t.Errorf("%s block norm = %v, want 1", b.name, n)
		}
	}
	ones := 0
	for _, x := range v[TaskOff : TaskOff+TaskBuckets] {
		if x == 1 {
			ones++
		}
	}
	if ones != 1 {
		t.Errorf("task block has %d ones, want one-hot", ones)
	}
	d := v[DenseOff:]
	if d[DenseHasTools] != 1 || d[DenseHasFormat] != 0 || d[DenseMessages] <= 0 || d[DenseUserLen] <= 0 {
		t.Errorf("dense block wrong: %v", d)
	}
	// "Calculate the factorial of 5 using math functions." is 51 bytes: bucket 32..63.
	for b := 0; b < UserLenBuckets; b++ {
		if want := float32(map[bool]int{true: 1}[b == 1]); d[DenseUserLenBucket+b] != want {
			t.Errorf("length bucket %d = %v, want %v", b, d[DenseUserLenBucket+b], want)
		}
	}
}

func TestDeterministicAndSensitive(t *testing.T) {
	a := Extract([]byte(reqA), "")
	b := Extract([]byte(reqA), "")
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("feature %d differs between two runs", i)
		}
	}
	other := strings.Replace(reqA, "factorial of 5", "weather in Paris tomorrow", 1)
	c := Extract([]byte(other), "")
	var dot float64
	for i := UserOff; i < UserOff+TextBuckets; i++ {
		dot += float64(a[i]) * float64(c[i])
	}
	if dot > 0.9 || dot < 0.1 {
		t.Errorf("cosine of user blocks of related texts = %v, want in (0.1, 0.9)", dot)
	}
	for i := SystemOff; i < DenseOff; i++ {
		if a[i] != c[i] {
			t.Fatalf("feature %d (outside user block) changed with the user turn", i)
		}
	}
}

func TestTaskKeyOverrideAndFormat(t *testing.T) {
	body := `{"messages":[{"role":"user","content":[{"type":"text","text":"Hi THERE"}]}],"response_format":{"type":"json_schema","json_schema":{"schema":{"type":"object"}}}}`
	v := Extract([]byte(body), "")
	w := Extract([]byte(body), "support-ticket")
	same := true
	for i := TaskOff; i < TaskOff+TaskBuckets; i++ {
		same = same && v[i] == w[i]
	}
	if same {
		t.Error("task key header did not change the task block")
	}
	if v[DenseOff+DenseFormatSchema] != 1 || v[DenseOff+DenseHasFormat] != 1 {
		t.Error("json_schema response format not flagged")
	}
	lower := Extract([]byte(strings.Replace(body, "Hi THERE", "hi there", 1)), "")
	for i := UserOff; i < UserOff+TextBuckets; i++ {
		if lower[i] != v[i] {
			t.Fatal("text hashing is not case-insensitive")
		}
	}
	if n := norm(v[UserOff : UserOff+TextBuckets]); math.Abs(n-1) > 1e-5 {
		t.Errorf("array content not hashed: norm %v", n)
	}
}

func TestFieldOrderDoesNotMatter(t *testing.T) {
	a := Extract([]byte(`{"model":"m","tools":[{"function":{"name":"a"}},{"function":{"name":"b"}}],"messages":[{"role":"system","content":"s"},{"role":"user","content":"u"}]}`), "")
	b := Extract([]byte(`{"messages":[{"role":"system","content":"s"},{"role":"user","content":"u"}],"tools":[{"function":{"name":"b"}},{"function":{"name":"a"}}],"model":"m"}`), "")
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("feature %d depends on field or tool order", i)
		}
	}
}

func TestBadInputNeverPanics(t *testing.T) {
	for _, b := range []string{"", "{", "null", `{"messages":5}`, `{"messages":[{"role":"user","content":{"x":1}}]}`, `[1,2]`} {
		v := Extract([]byte(b), "")
		if len(v) != Dim {
			t.Fatalf("len %d", len(v))
		}
	}
}

func TestLongTextIsBounded(t *testing.T) {
	long := `{"messages":[{"role":"user","content":"` + strings.Repeat("word ", 100000) + `"}]}`
	v := Extract([]byte(long), "")
	if n := norm(v[UserOff : UserOff+TextBuckets]); math.Abs(n-1) > 1e-5 {
		t.Fatalf("norm %v", n)
	}
}

// bigBody is a BFCL "multiple"-like request: several tools with schemas.
func bigBody() []byte {
	tool := `{"type":"function","function":{"name":"triangle_properties_get","description":"Retrieve the dimensions, such as area and perimeter, of a triangle if lengths of three sides are given.","parameters":{"type":"object","properties":{"side1":{"type":"integer","description":"The length of first side of the triangle."},"side2":{"type":"integer","description":"The length of second side."},"get_area":{"type":"boolean","description":"A flag to determine whether to calculate the area of triangle. Default is true."}},"required":["side1","side2"]}}}`
	tools := strings.TrimSuffix(strings.Repeat(tool+",", 6), ",")
	return []byte(`{"model":"m","messages":[{"role":"system","content":"You are a general-purpose assistant connected to many services. Pick the single most appropriate function for the user's request and call it with the right arguments."},{"role":"user","content":"Can I find the dimensions and properties of a triangle, if I know its three sides are 5 units, 4 units and 3 units long?"}],"tools":[` + tools + `]}`)
}

func BenchmarkExtractToolsBody(b *testing.B) {
	req := bigBody()
	dst := make([]float32, Dim)
	b.ReportAllocs()
	b.SetBytes(int64(len(req)))
	for b.Loop() {
		ExtractInto(dst, req, "")
	}
}

func BenchmarkExtract(b *testing.B) {
	req := []byte(reqA)
	dst := make([]float32, Dim)
	b.ReportAllocs()
	b.SetBytes(int64(len(req)))
	for b.Loop() {
		ExtractInto(dst, req, "")
	}
}

// The trained models depend on the exact bits of the hashed blocks: a text
// block normalised over its touched buckets must match normalize over the
// whole block (the sequential sum it replaced).
func TestTextBlockNormalizeMatchesWholeBlock(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := 0; n < 300; n++ {
		b := textBlock{v: make([]float32, TextBuckets)}
		if n%2 == 0 {
			for k := rng.IntN(3 * MaxTextBytes); k > 0; k-- {
				b.add(rng.Uint32())
			}
		} else {
			text := make([]byte, rng.IntN(2*MaxTextBytes))
			const alphabet = " aAbcZ.,9\xc3\xa9"
			for i := range text {
				text[i] = alphabet[rng.IntN(len(alphabet))]
			}
			hashText(&b, string(text), seedUser)
		}
		want := append([]float32(nil), b.v...)
		normalize(want)
		b.normalize()
		for i := range want {
			if math.Float32bits(b.v[i]) != math.Float32bits(want[i]) {
				t.Fatalf("case %d bucket %d: %v, want %v (bits differ)", n, i, b.v[i], want[i])
			}
		}
	}
}
