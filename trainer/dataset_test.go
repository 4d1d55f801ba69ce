package trainer

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"github.com/fledgling-ai/fledgling/internal/capture"
	"github.com/fledgling-ai/fledgling/internal/config"
	"github.com/fledgling-ai/fledgling/internal/openai"
	"github.com/fledgling-ai/fledgling/internal/redact"
)

var t0 = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

func allLines(t *testing.T, d *Dataset, format string) []string {
	var out []string
	for _, s := range []string{SplitTrain, SplitValidation, SplitTest} {
		out = append(out, readLines(t, d.Path(s, format))...)
	}
	return out
}

func compact(t *testing.T, raw string) string {
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(raw)); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// Tool-call conversations (BFCL parallel and multiple, plus a multi-turn
// conversation with a tool result) come out of the export exactly: the
// request's messages and tools byte for byte, and the answer's tool calls
// with their ids, names and argument strings.
func TestToolCallConversationsSurviveExport(t *testing.T) {
	recs := append(bfclRecords(t, "parallel", "tools", 60, t0), bfclRecords(t, "multiple", "tools", 40, t0.Add(time.Hour))...)
	recs = append(recs, multiTurnRecord())
	b := newBuilder(t, openSQLite(t), &memSource{recs}, 7)
	b.Options.NearDedup = new(bool) // keep every BFCL item: this test is about fidelity
	d, err := b.Build(context.Background(), "tools", nil)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]*capture.Record{}
	for _, r := range recs {
		byID[r.ID] = r
	}
	lines := allLines(t, d, "openai")
	if len(lines) != len(recs) {
		t.Fatalf("exported %d lines, want %d (counts %+v)", len(lines), len(recs), d.Manifest.Counts)
	}
	neutral := allLines(t, d, "neutral")
	for i, line := range lines {
		if err := ValidateOpenAILine([]byte(line)); err != nil {
			t.Fatalf("line %d invalid: %v", i, err)
		}
		rec := findRecord(t, line, recs)
		assertSameConversation(t, rec, line)
		assertNeutralMatches(t, line, neutral[i])
	}
}

func findRecord(t *testing.T, line string, recs []*capture.Record) *capture.Record {
	msgs := gjson.Get(line, "messages")
	n := len(msgs.Array())
	want := compact(t, `[`+strings.Join(rawMessages(msgs.Array()[:n-1]), ",")+`]`)
	for _, r := range recs {
		got := strings.ReplaceAll(compact(t, gjson.GetBytes(r.Request, "messages").Raw), `"role":"developer"`, `"role":"system"`)
		if got == want {
			return r
		}
	}
	t.Fatalf("no record has the messages of line %s", line)
	return nil
}

func rawMessages(ms []gjson.Result) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Raw
	}
	return out
}

func assertSameConversation(t *testing.T, rec *capture.Record, line string) {
	t.Helper()
	if got, want := gjson.Get(line, "tools").Raw, compact(t, gjson.GetBytes(rec.Request, "tools").Raw); got != want {
		t.Fatalf("%s: tools changed\n got %s\nwant %s", rec.ID, got, want)
	}
	if gjson.Get(line, "parallel_tool_calls").Raw != "true" {
		t.Fatalf("%s: parallel_tool_calls lost", rec.ID)
	}
	answer := gjson.Get(line, "messages.@reverse.0")
	calls := answer.Get("tool_calls").Array()
	if answer.Get("role").String() != "assistant" || len(calls) != len(rec.Response.ToolCalls) {
		t.Fatalf("%s: answer %s, want %d tool calls", rec.ID, answer.Raw, len(rec.Response.ToolCalls))
	}
	for i, tc := range rec.Response.ToolCalls {
		c := calls[i]
		if c.Get("id").String() != tc.ID || c.Get("type").String() != "function" ||
			c.Get("function.name").String() != tc.Name || c.Get("function.arguments").String() != tc.Arguments {
			t.Fatalf("%s: tool call %d = %s, want %+v", rec.ID, i, c.Raw, tc)
		}
	}
}

func assertNeutralMatches(t *testing.T, line, neutral string) {
	t.Helper()
	msgs := gjson.Get(line, "messages").Array()
	if n := len(gjson.Get(neutral, "prompt").Array()); n != len(msgs)-1 {
		t.Fatalf("neutral prompt has %d messages, want %d", n, len(msgs)-1)
	}
	for i, c := range msgs[len(msgs)-1].Get("tool_calls").Array() {
		args := gjson.Get(neutral, "completion.0.tool_calls."+itoa(i)+".function.arguments")
		if !args.IsObject() || compact(t, args.Raw) != compact(t, c.Get("function.arguments").String()) {
			t.Fatalf("neutral arguments %s, want the object of %s", args.Raw, c.Get("function.arguments").String())
		}
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func multiTurnRecord() *capture.Record {
	body := []byte(`{"model":"gpt-4o","messages":[{"role":"developer","content":"You book flights."},
		{"role":"user","content":"Book BOS to SFO on the 3rd"},
		{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"search","arguments":"{\"from\":\"BOS\",\"to\":\"SFO\"}"}}]},
		{"role":"tool","tool_call_id":"call_1","content":"[{\"flight\":\"UA1\"}]"}],
		"tools":[{"type":"function","function":{"name":"search","parameters":{"type":"object","properties":{"from":{"type":"string"},"to":{"type":"string"}}}}},
		{"type":"function","function":{"name":"book","parameters":{"type":"object","properties":{"flight":{"type":"string"}}}}}],
		"parallel_tool_calls":true}`)
	return &capture.Record{ID: "multi", Time: t0.Add(2 * time.Hour), Kind: capture.KindChat, Route: "tools", TaskKey: openai.TaskKey(body),
		Request: body, Status: 200, Response: openai.Message{ToolCalls: []openai.ToolCall{{ID: "call_2", Type: "function", Name: "book", Arguments: `{"flight":"UA1"}`}}}}
}

func TestDeveloperRoleBecomesSystem(t *testing.T) {
	b := newBuilder(t, openSQLite(t), &memSource{[]*capture.Record{multiTurnRecord()}}, 1)
	d, err := b.Build(context.Background(), "tools", nil)
	if err != nil {
		t.Fatal(err)
	}
	line := allLines(t, d, "openai")[0]
	if r := gjson.Get(line, "messages.0.role").String(); r != "system" {
		t.Fatalf("role = %s, want system", r)
	}
	if c := gjson.Get(line, "messages.2.content"); c.Type != gjson.Null {
		t.Fatalf("assistant null content changed to %s", c.Raw)
	}
}

// mixedRecords: 200 BFCL items plus exact and near duplicates, errors,
// truncated streams and candidate-served calls.
func mixedRecords(t *testing.T) []*capture.Record {
	recs := bfclRecords(t, "simple_python", "r", 200, t0)
	dupe := *recs[3]
	dupe.ID, dupe.Time = "dup-exact", t0.Add(time.Hour)
	near := chatRecord("near-a", "r", t0.Add(2*time.Hour), "You are terse.", "Order #123 for Bob!", "ok")
	near2 := chatRecord("near-b", "r", t0.Add(3*time.Hour), "You are terse.", "order 456 for bob", "ok")
	bad := chatRecord("err", "r", t0.Add(4*time.Hour), "s", "u", "")
	bad.Status, bad.ErrorClass = 502, "upstream"
	trunc := chatRecord("trunc", "r", t0.Add(5*time.Hour), "s", "cut", "partial")
	trunc.Truncated = true
	cand := chatRecord("cand", "r", t0.Add(6*time.Hour), "s", "from candidate", "small")
	cand.ServedByCandidate = true
	return append(recs, &dupe, near, near2, bad, trunc, cand)
}

func TestDedupAndFiltersCount(t *testing.T) {
	b := newBuilder(t, openSQLite(t), &memSource{mixedRecords(t)}, 3)
	d, err := b.Build(context.Background(), "r", nil)
	if err != nil {
		t.Fatal(err)
	}
	c := d.Manifest.Counts
	if c.DupExact != 1 || c.Errors != 1 || c.Truncated != 1 || c.Candidate != 1 {
		t.Fatalf("counts %+v: want 1 exact dup, 1 error, 1 truncated, 1 candidate", c)
	}
	if c.DupNear < 1 {
		t.Fatalf("near duplicate 'Order #123 for Bob!' / 'order 456 for bob' not dropped: %+v", c)
	}
	if c.Kept != c.Train+c.Validation+c.Test || c.Scanned != 206 {
		t.Fatalf("counts do not add up: %+v", c)
	}
	for _, l := range allLines(t, d, "openai") {
		if strings.Contains(l, "from candidate") || strings.Contains(l, "partial") {
			t.Fatalf("dropped record exported: %s", l)
		}
	}
	if _, err := os.Stat(d.Dir + "/manifest.json"); err != nil {
		t.Fatal(err)
	}
}

func TestSplitIsDeterministicPerSeedAndStratified(t *testing.T) {
	recs := mixedRecords(t)
	build := func(seed int64) *Dataset {
		d, err := newBuilder(t, openSQLite(t), &memSource{recs}, seed).Build(context.Background(), "r", nil)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	a, b, c := build(11), build(11), build(12)
	if a.Manifest.ContentHash != b.Manifest.ContentHash {
		t.Fatal("same seed, same captures: content hashes differ")
	}
	if a.Manifest.ContentHash == c.Manifest.ContentHash {
		t.Fatal("another seed gave the same split")
	}
	for _, d := range []*Dataset{a, c} {
		if m := d.Manifest.Counts; m.Test < m.Kept/10 || m.Test > m.Kept*3/10 {
			t.Fatalf("test holds %d of %d items, want about 20%%", m.Test, m.Kept)
		}
	}
}

// letters spells i in base 26, so texts differ after digits are stripped.
func letters(i int) string {
	s := ""
	for ; ; i /= 26 {
		s = string(rune('a'+i%26)) + s
		if i < 26 {
			return s
		}
	}
}

func TestSplitStratifiedByTaskKey(t *testing.T) {
	var recs []*capture.Record
	for i := 0; i < 150; i++ {
		sys := []string{"Translate to French.", "Summarise.", "Extract the invoice fields."}[i%3]
		recs = append(recs, chatRecord(letters(i), "r", t0.Add(time.Duration(i)*time.Second), sys, "text "+letters(i+1000), "answer "+letters(i)))
	}
	d, err := newBuilder(t, openSQLite(t), &memSource{recs}, 21).Build(context.Background(), "r", nil)
	if err != nil {
		t.Fatal(err)
	}
	perKey := map[string][3]int{}
	for si, s := range []string{SplitTrain, SplitValidation, SplitTest} {
		for _, l := range readLines(t, d.Path(s, "openai")) {
			k := gjson.Get(l, "messages.0.content").String()
			v := perKey[k]
			v[si]++
			perKey[k] = v
		}
	}
	if len(perKey) != 3 {
		t.Fatalf("task keys %v", perKey)
	}
	for k, v := range perKey {
		if v[2] != 10 || v[1] < 4 || v[1] > 6 || v[0]+v[1]+v[2] != 50 {
			t.Fatalf("task %q: train/validation/test = %v, want test 10 of 50 and validation 5±1", k, v)
		}
	}
}

func TestRedactionApplied(t *testing.T) {
	rec := chatRecord("pii", "r", t0, "Support bot", "Mail me at jane.doe@example.com please", `Sure, I wrote to "jane.doe@example.com".`)
	rec.Response.ToolCalls = []openai.ToolCall{{ID: "c1", Type: "function", Name: "send", Arguments: `{"to":"jane.doe@example.com"}`}}
	b := newBuilder(t, openSQLite(t), &memSource{[]*capture.Record{rec}}, 1)
	b.Redactor = redact.New(config.Redaction{Builtins: []string{"email"}})
	b.Options.TestFraction, b.Options.ValidationFraction = 0, 0
	d, err := b.Build(context.Background(), "r", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"openai", "neutral"} {
		for _, l := range allLines(t, d, format) {
			if strings.Contains(l, "jane.doe") || !strings.Contains(l, "[REDACTED]") || !json.Valid([]byte(l)) {
				t.Fatalf("%s line not redacted or invalid: %s", format, l)
			}
		}
	}
	line := allLines(t, d, "openai")[0]
	if args := gjson.Get(line, "messages.2.tool_calls.0.function.arguments").String(); args != `{"to":"[REDACTED]"}` {
		t.Fatalf("tool arguments = %s", args)
	}
	if !d.Manifest.Filters.Redaction {
		t.Fatal("manifest does not record redaction")
	}
}

// Items once in test stay in test: a second version, with new captures,
// another seed and the old captures gone from the window, still contains
// every first-version test line, byte for byte.
func TestFrozenTestSet(t *testing.T) {
	db := openSQLite(t)
	first := bfclRecords(t, "simple_python", "r", 150, t0)
	d1, err := newBuilder(t, db, &memSource{first}, 5).Build(context.Background(), "r", nil)
	if err != nil {
		t.Fatal(err)
	}
	test1 := readLines(t, d1.Path(SplitTest, "openai"))
	if len(test1) < 10 {
		t.Fatalf("first test set has %d items", len(test1))
	}
	second := append(first[75:], bfclRecords(t, "multiple", "r", 100, t0.Add(24*time.Hour))...)
	d2, err := newBuilder(t, db, &memSource{second}, 99).Build(context.Background(), "r", nil)
	if err != nil {
		t.Fatal(err)
	}
	if d2.Version != 2 {
		t.Fatalf("version %d", d2.Version)
	}
	test2 := map[string]bool{}
	for _, l := range readLines(t, d2.Path(SplitTest, "openai")) {
		test2[l] = true
	}
	for _, l := range test1 {
		if !test2[l] {
			t.Fatalf("frozen test item missing from v2: %s", l)
		}
	}
	for _, s := range []string{SplitTrain, SplitValidation} {
		for _, l := range readLines(t, d2.Path(s, "openai")) {
			if test2[l] {
				t.Fatalf("item in both %s and test", s)
			}
		}
	}
	if d2.Manifest.Counts.TestFrozen != len(test1) {
		t.Fatalf("test_frozen = %d, want %d", d2.Manifest.Counts.TestFrozen, len(test1))
	}
}

func TestRequireJSONValid(t *testing.T) {
	recs := []*capture.Record{
		chatRecord("j1", "r", t0, "Return JSON", "a", `{"x":1}`),
		chatRecord("j2", "r", t0.Add(time.Second), "Return JSON", "b", `not json`),
	}
	b := newBuilder(t, openSQLite(t), &memSource{recs}, 1)
	b.Options.Require = []string{"json_valid"}
	d, err := b.Build(context.Background(), "r", nil)
	if err != nil {
		t.Fatal(err)
	}
	if d.Manifest.Counts.FailedChecks != 1 || d.Manifest.Counts.Kept != 1 {
		t.Fatalf("counts %+v", d.Manifest.Counts)
	}
}

func TestValidateOpenAILineRejects(t *testing.T) {
	for _, bad := range []string{
		`{"messages":[{"role":"user","content":"hi"}]}`,
		`{"messages":[{"role":"user","content":"hi"},{"role":"bot","content":"x"}]}`,
		`{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":null}]}`,
		`{"messages":[{"role":"user","content":"hi"},{"role":"assistant","tool_calls":[{"type":"function","function":{"name":"f","arguments":"{"}}]}]}`,
		`{"messages":[{"role":"user","content":"hi"},{"role":"tool","content":"x"},{"role":"assistant","content":"x"}]}`,
		`not json`,
	} {
		if ValidateOpenAILine([]byte(bad)) == nil {
			t.Errorf("accepted %s", bad)
		}
	}
}
