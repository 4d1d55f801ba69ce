package eval

import (
	"strings"
	"testing"

	"github.com/fledgling-ai/fledgling/internal/openai"
)

// An extraction task as a route would send it: a strict JSON schema.
const invoiceRequest = `{"model":"gpt-4o","messages":[{"role":"system","content":"Extract the invoice."},{"role":"user","content":"ACME Corp invoice INV-1042, total 1,250.00 EUR, due 2026-12-01."}],
"response_format":{"type":"json_schema","json_schema":{"name":"invoice","strict":true,"schema":{"type":"object","additionalProperties":false,
"required":["vendor","number","total","currency","due_date","po_number"],
"properties":{"vendor":{"type":"string"},"number":{"type":"string"},"total":{"type":"number"},"currency":{"type":"string","enum":["EUR","USD","GBP"]},
"due_date":{"type":"string","pattern":"^\\d{4}-\\d{2}-\\d{2}$"},"po_number":{"type":["string","null"]}}}}}}`

const invoiceRef = `{"vendor":"ACME Corp","number":"INV-1042","total":1250.0,"currency":"EUR","due_date":"2026-12-01","po_number":null}`

func msg(content string) openai.Message { return openai.Message{Content: content} }

func TestJSONEvaluatorsOnExtractionOutputs(t *testing.T) {
	cases := []struct {
		name                   string
		cand                   string
		valid, schema, exact   bool
		fields                 float64
		fieldsPass, hallucinat bool
	}{
		{"identical", invoiceRef, true, true, true, 1, true, false},
		{"keys reordered and pretty-printed", "{\n  \"po_number\": null,\n  \"due_date\": \"2026-12-01\",\n  \"currency\": \"EUR\",\n  \"total\": 1250,\n  \"number\": \"INV-1042\",\n  \"vendor\": \"ACME Corp\"\n}", true, true, true, 1, true, false},
		{"1250.0 written as 1.25e3", strings.Replace(invoiceRef, "1250.0", "1.25e3", 1), true, true, true, 1, true, false},
		{"think block before the JSON", "<think>The total is 1,250.00 so 1250.</think>\n" + invoiceRef, true, true, true, 1, true, false},
		{"hallucinated PO number", strings.Replace(invoiceRef, `"po_number":null`, `"po_number":"PO-7781"`, 1), true, true, false, 10.0 / 11, false, true},
		{"optional null field left out", `{"vendor":"ACME Corp","number":"INV-1042","total":1250,"currency":"EUR","due_date":"2026-12-01"}`, true, false, false, 1, true, false},
		{"wrong total", strings.Replace(invoiceRef, "1250.0", "125.0", 1), true, true, false, 0.8, false, false},
		{"currency outside the enum", strings.Replace(invoiceRef, `"EUR"`, `"€"`, 1), true, false, false, 0.8, false, false},
		{"wrapped in a markdown fence", "```json\n" + invoiceRef + "\n```", false, false, true, 1, true, false},
		{"truncated JSON", invoiceRef[:40], false, false, false, 0, false, false},
		{"prose instead of JSON", "The invoice INV-1042 from ACME Corp totals 1250 EUR.", false, false, false, 0, false, false},
	}
	schema := newJSONSchema()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := Input{Request: []byte(invoiceRequest), Reference: msg(invoiceRef), Candidate: msg(c.cand)}
			v, s, e, f := JSONValid{}.Evaluate(in), schema.Evaluate(in), ExactMatch{}.Evaluate(in), JSONFields{}.Evaluate(in)
			if v.Pass != c.valid || s.Pass != c.schema || e.Pass != c.exact {
				t.Errorf("json_valid=%v json_schema=%v (%s) exact_match=%v; want %v %v %v", v.Pass, s.Pass, s.Note, e.Pass, c.valid, c.schema, c.exact)
			}
			if abs(f.Score-c.fields) > 1e-9 || f.Pass != c.fieldsPass || (sub(f, "json_fields.hallucinated") == 0) != c.hallucinat {
				t.Errorf("json_fields score=%.4f pass=%v halluc=%v (%s); want %.4f %v %v", f.Score, f.Pass, sub(f, "json_fields.hallucinated") == 0, f.Note, c.fields, c.fieldsPass, c.hallucinat)
			}
		})
	}
}

func TestJSONFieldsPartialCreditOnNestedOutput(t *testing.T) {
	ref := `{"customer":{"name":"Ada Lovelace","email":null},"items":[{"sku":"A-1","qty":2},{"sku":"B-7","qty":1}]}`
	cand := `{"items":[{"qty":2,"sku":"A-1"},{"qty":3,"sku":"B-7"}],"customer":{"email":"ada@example.com","name":"Ada Lovelace"}}`
	r := JSONFields{}.Evaluate(Input{Reference: msg(ref), Candidate: msg(cand)})
	// ref leaves: name, 2×sku, 2×qty = 5; cand: those + email = 6; 4 match.
	wantP, wantR := 4.0/6, 4.0/5
	if abs(sub(r, "json_fields.precision")-wantP) > 1e-9 || abs(sub(r, "json_fields.recall")-wantR) > 1e-9 || r.Pass {
		t.Fatalf("precision=%g recall=%g pass=%v; want %g %g false", sub(r, "json_fields.precision"), sub(r, "json_fields.recall"), r.Pass, wantP, wantR)
	}
	if !strings.Contains(r.Note, `"email"`) {
		t.Fatalf("hallucinated email not flagged: %q", r.Note)
	}
	if s := (JSONFields{}).Evaluate(Input{Reference: msg("plain text"), Candidate: msg(cand)}); !s.Skipped {
		t.Fatalf("non-JSON reference should skip, got %+v", s)
	}
}

func TestJSONSchemaSkipsWithoutSchema(t *testing.T) {
	r := newJSONSchema().Evaluate(Input{Request: []byte(`{"response_format":{"type":"json_object"}}`), Candidate: msg(`{}`)})
	if !r.Skipped {
		t.Fatalf("want skipped, got %+v", r)
	}
}

func TestExactMatchText(t *testing.T) {
	cases := []struct {
		ref, cand string
		fold, ok  bool
	}{
		{"Paris", "Paris", false, true},
		{"The capital of France is Paris.", "  The capital of\n France   is Paris. ", false, true},
		{"Paris", "<think>\nFrance… capital… Paris.\n</think>\n\nParis", false, true},
		{"Paris", "paris", false, false},
		{"Paris", "PARIS", true, true},
		{"Paris", "Lyon", true, false},
		{`{"a":1,"b":[1,2]}`, `{"b":[1, 2.0], "a":1.00}`, false, true},
		{`{"a":1,"b":[1,2]}`, `{"b":[2,1],"a":1}`, false, false}, // arrays keep order
		{`"Paris"`, `Paris`, false, false},                       // a JSON string is text, quotes included
	}
	for _, c := range cases {
		r := ExactMatch{CaseFold: c.fold}.Evaluate(Input{Reference: msg(c.ref), Candidate: msg(c.cand)})
		if r.Pass != c.ok || r.Score != boolScore(c.ok) {
			t.Errorf("exact_match(%q, %q, fold=%v) = %v, want %v", c.ref, c.cand, c.fold, r.Pass, c.ok)
		}
	}
}

func TestExactMatchComparesToolCalls(t *testing.T) {
	ref := openai.Message{ToolCalls: []openai.ToolCall{{Name: "get_weather", Arguments: `{"city":"Paris","unit":"c"}`}, {Name: "get_time", Arguments: `{"tz":"CET"}`}}}
	same := openai.Message{ToolCalls: []openai.ToolCall{{Name: "get_time", Arguments: `{ "tz" : "CET" }`}, {Name: "get_weather", Arguments: `{"unit":"c","city":"Paris"}`}}}
	diff := openai.Message{ToolCalls: []openai.ToolCall{{Name: "get_weather", Arguments: `{"city":"Lyon","unit":"c"}`}, {Name: "get_time", Arguments: `{"tz":"CET"}`}}}
	if !(ExactMatch{}).Evaluate(Input{Reference: ref, Candidate: same}).Pass {
		t.Error("same calls in another order should match")
	}
	if (ExactMatch{}).Evaluate(Input{Reference: ref, Candidate: diff}).Pass {
		t.Error("different arguments should not match")
	}
}

func TestDefaultsFollowTheRequest(t *testing.T) {
	cases := map[string][]string{
		`{"messages":[],"tools":[{"type":"function","function":{"name":"f"}}]}`: {"tool_call"},
		invoiceRequest: {"json_valid", "json_schema", "json_fields"},
		`{"messages":[],"response_format":{"type":"json_object"}}`: {"json_valid", "json_fields"},
		`{"messages":[{"role":"user","content":"hi"}]}`:            {"exact_match"},
		`{"messages":[],"tools":[]}`:                               {"exact_match"},
	}
	for req, want := range cases {
		if got := Defaults([]byte(req)); strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("Defaults(%.60s) = %v, want %v", req, got, want)
		}
	}
	for _, n := range []string{"json_valid", "json_schema", "exact_match", "json_fields", "tool_call"} {
		if e, ok := New(n, Options{}); !ok || e.Name() != n {
			t.Errorf("New(%s) = %v, %v", n, e, ok)
		}
	}
	if _, ok := New("llm_judge", Options{}); ok {
		t.Error("llm_judge is not a pure evaluator")
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
