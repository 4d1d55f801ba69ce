package features

import (
	"bufio"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// paths extracts body on the one-pass path and on the gjson path; took
// reports whether the one-pass path accepted the body.
func paths(body string) (fast, slow []float32, took bool) {
	fast, slow = make([]float32, Dim), make([]float32, Dim)
	e := newExtractor(fast)
	took = e.fast(body)
	e.finish(len(body), "")
	g := newExtractor(slow)
	g.slow(body)
	g.finish(len(body), "")
	return fast, slow, took
}

func sameBits(a, b []float32) int {
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return i
		}
	}
	return -1
}

// checkPaths fails when the one-pass path took body but disagrees with gjson.
func checkPaths(t *testing.T, body string) bool {
	t.Helper()
	fast, slow, took := paths(body)
	if took {
		if i := sameBits(fast, slow); i >= 0 {
			t.Fatalf("feature %d: one-pass %v, gjson %v, for %q", i, fast[i], slow[i], body)
		}
	}
	return took
}

// Every shape the features read, with the quirks gjson gives meaning to.
var walkSeeds = []string{
	reqA,
	`{"messages":[{"role":"user","content":[{"type":"text","text":"Hi THERE"},{"type":"image_url","image_url":{"url":"x"}},"str",{"text":5},{"text":"two"}]}],"response_format":{"type":"json_schema","json_schema":{"name":"n","schema":{"type":"object","properties":{"a":{"type":"string"}}}}}}`,
	`{"messages":[{"role":"developer","content":"Rules: \"quote\" \\ back \u00e9 \ud83d\ude00 \n end"},{"role":"system","content":[{"text":"sys part"}]},{"role":"user","content":"first"},{"role":"assistant","content":null,"tool_calls":[]},{"role":"tool","content":"42"},{"role":"function","content":"x"},{"role":"user","content":"second \"escaped\""}]}`,
	`{"functions":[{"name":"f1","parameters":{}},{"name":"f2"},{"nam":"x"},"bad",5],"tools":[{"type":"function","function":{"description":"d","name":"t1"}},{"function":"str"},{"function":{"name":7}},{}],"tool_choice":"auto"}`,
	`{"messages":[{"content":"no role"},{"role":5,"content":"x"},{"role":"user"},{"role":"user","role":"system","content":"a","content":"b"},[],7,"s",null]}`,
	`{"response_format":{"type":"json_object"},"response_format":{"type":"text"}}`,
	`{"response_format":null}`, `{"response_format":"json"}`, `{"response_format":{"json_schema":"x","json_schema":{"schema":{}}}}`,
	`{"response_format":{"type":"json_schema","json_schema":{"schema":{"a":1},"schema":{"b":2}}}}`,
	`{"messages":[],"tools":[],"functions":[]}`, `{}`, ` { "messages" : [ { "role" : "user" , "content" : "spaced" } ] } `,
	`{"tools":null}`, `{"messages":null}`, `{"messages":{"role":"user"}}`, `{"messages":"x"}`, `{"tools":{"a":1}}`,
	`{"tools":[{"function":{"name":"a"}}],"tools":[{"function":{"name":"b"}}]}`,
	`{"messages":[{"role":"user","content":"x"}]`, `{"messages":[{"role":"user" "content":"x"}]}`, `{"a":tru}`, `{"a":01}`,
	`[1,2]`, `"str"`, `null`, `{"k\u0065y":1,"m\u0065ssages":[{"r\u006fle":"user","content":"escaped keys"}]}`,
	`{"messages":[{"role":"user","content":"\\"}],"x":"\\\\\""}`, `{"a":[1,-2.5e+3,true,false,null,{"b":[{}]}],"messages":[{"role":"user","content":"after"}]}`,
}

func TestOnePassPathMatchesGJSONOnTrickyBodies(t *testing.T) {
	took := 0
	for _, s := range walkSeeds {
		if checkPaths(t, s) {
			took++
		}
	}
	if took < len(walkSeeds)/2 {
		t.Fatalf("the one-pass path took only %d of %d bodies", took, len(walkSeeds))
	}
}

// On real function-calling traffic (BFCL questions shaped as chat requests
// with tools, system prompts and response formats) the one-pass path takes
// every body and matches gjson bit for bit.
func TestOnePassPathMatchesGJSONOnBFCL(t *testing.T) {
	dir := os.Getenv("FLEDGLING_BFCL_DIR")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "data", "bfcl")
	}
	n := 0
	for _, name := range []string{"simple_python", "multiple", "parallel"} {
		f, err := os.Open(filepath.Join(dir, name+".jsonl"))
		if err != nil {
			t.Fatalf("BFCL data: %v (set FLEDGLING_BFCL_DIR)", err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<24)
		for sc.Scan() {
			var q struct {
				Question [][]map[string]any `json:"question"`
				Function []map[string]any   `json:"function"`
			}
			if err := json.Unmarshal(sc.Bytes(), &q); err != nil || len(q.Question) == 0 {
				continue
			}
			for _, body := range bfclBodies(q.Question[0], q.Function) {
				if !checkPaths(t, body) {
					t.Fatalf("one-pass path declined a valid request: %s", body)
				}
				n++
			}
		}
		f.Close()
	}
	if n < 1600 {
		t.Fatalf("only %d bodies checked", n)
	}
}

func bfclBodies(msgs []map[string]any, fns []map[string]any) []string {
	var tools []any
	for _, f := range fns {
		tools = append(tools, map[string]any{"type": "function", "function": f})
	}
	sys := map[string]any{"role": "system", "content": "You call functions. Reply with \"calls\" only\n\tthanks — é"}
	all := append([]any{sys}, anys(msgs)...)
	shapes := []map[string]any{
		{"model": "m", "messages": all, "tools": tools, "tool_choice": "auto"},
		{"model": "m", "messages": anys(msgs), "functions": fns, "response_format": map[string]any{"type": "json_schema",
			"json_schema": map[string]any{"name": "call", "schema": map[string]any{"type": "object"}}}},
	}
	var out []string
	for _, s := range shapes {
		b, _ := json.MarshalIndent(s, "", strings.Repeat(" ", len(out)))
		out = append(out, string(b))
	}
	return out
}

func anys(ms []map[string]any) []any {
	out := make([]any, len(ms))
	for i, m := range ms {
		out[i] = m
	}
	return out
}

// FuzzOnePassPathMatchesGJSON: whatever the one-pass path takes, it reads
// as gjson does.
func FuzzOnePassPathMatchesGJSON(f *testing.F) {
	for _, s := range walkSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		checkPaths(t, body)
	})
}

// The system-prompt cache gives the bits hashing gives, whether a prompt
// is stored, found, or evicted by another prompt of the same slot, also
// from several goroutines at once.
func TestSystemPromptCacheMatchesHashing(t *testing.T) {
	for i := range sysPrompts {
		sysPrompts[i].Store(nil)
	}
	var bodies []string
	for i := 0; i < 600; i++ { // 600 prompts over 256 slots: collisions and evictions
		bodies = append(bodies, `{"messages":[{"role":"system","content":"You are assistant number `+strings.Repeat("x", i%7)+string(rune('a'+i%26))+` of `+
			strings.Repeat("many ", i%5)+`"},{"role":"developer","content":[{"text":"second prompt"}]},{"role":"user","content":"q `+string(rune('0'+i%10))+`"}]}`)
	}
	done := make(chan bool)
	for g := 0; g < 4; g++ {
		go func(g int) {
			ok := true
			for rep := 0; rep < 3; rep++ {
				for i := g; i < len(bodies); i += 2 {
					fast, slow, took := paths(bodies[i])
					ok = ok && took && sameBits(fast, slow) < 0
				}
			}
			done <- ok
		}(g)
	}
	for g := 0; g < 4; g++ {
		if !<-done {
			t.Fatal("a cached system block differs from hashing the prompt")
		}
	}
}

// The cache only ever holds a prompt's own block: a body whose second
// "messages" array (or second system message) adds to a block already
// holding a prompt stores nothing for it.
func TestSystemPromptCacheHoldsOnlySinglePromptBlocks(t *testing.T) {
	for i := range sysPrompts {
		sysPrompts[i].Store(nil)
	}
	for _, b := range []string{
		`{"messages":[{"role":"system","content":"X x"}],"messages":[{"role":"system","content":"A a"}]}`,
		`{"messages":[{"role":"system","content":"Y y"},{"role":"developer","content":"B b"}]}`,
	} {
		checkPaths(t, b)
	}
	n := 0
	for i := range sysPrompts {
		p := sysPrompts[i].Load()
		if p == nil {
			continue
		}
		n++
		alone := newExtractor(make([]float32, Dim))
		c := value{kind: '"', raw: p.raw, str: p.raw[1 : len(p.raw)-1]}
		if l := alone.fastContent(c, &alone.system, seedSystem); l != p.textLen || alone.system.sq != p.sq {
			t.Fatalf("cached block of %s is not that prompt's own", p.raw)
		}
	}
	if n != 2 {
		t.Fatalf("%d prompts cached, want the 2 first ones", n)
	}
}
