package openai

import (
	"encoding/json"
	"fmt"
	"math"
	"testing"

	"github.com/tidwall/gjson"
)

func TestParseUsageKeepsAbsentDistinctFromZero(t *testing.T) {
	u := ParseUsage(gjson.Parse(`{"prompt_tokens":120,"completion_tokens":0,
		"prompt_tokens_details":{"cached_tokens":100},"completion_tokens_details":{}}`))
	if n, ok := u.Input.Get(); !ok || n != 120 {
		t.Fatalf("input = %d,%v", n, ok)
	}
	if n, ok := u.Output.Get(); !ok || n != 0 {
		t.Fatalf("a reported zero must be present: %d,%v", n, ok)
	}
	if n, ok := u.CachedInput.Get(); !ok || n != 100 {
		t.Fatalf("cached = %d,%v", n, ok)
	}
	if u.Reasoning.Present() || u.CacheWrite.Present() {
		t.Fatalf("unreported counts must be absent: %+v", u)
	}
	// The Responses API spelling.
	r := ParseUsage(gjson.Parse(`{"input_tokens":7,"output_tokens":9,"output_tokens_details":{"reasoning_tokens":4}}`))
	if r.Input.Or(-1) != 7 || r.Output.Or(-1) != 9 || r.Reasoning.Or(-1) != 4 {
		t.Fatalf("responses usage = %+v", r)
	}
	if ParseUsage(gjson.Parse(`null`)).Present() {
		t.Fatal("no usage object must mean no usage")
	}
}

func TestCountJSONRoundTrip(t *testing.T) {
	in := Usage{Input: Some(3), Output: Some(0)}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out Usage
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if out != in {
		t.Fatalf("round trip %s gave %+v, want %+v", b, out, in)
	}
	for _, n := range []int64{0, 7, -5, 1 << 53, math.MaxInt64, math.MinInt64} {
		got, _ := json.Marshal(Some(n))
		want, _ := json.Marshal(n)
		if string(got) != string(want) {
			t.Errorf("Some(%d) marshals as %s, want %s", n, got, want)
		}
	}
	if got, _ := json.Marshal(Count{}); string(got) != "null" {
		t.Errorf("absent count marshals as %s", got)
	}
}

func TestParseChatResponseToolCallsAndAssistantJSON(t *testing.T) {
	body := []byte(`{"id":"chatcmpl-1","model":"gpt-4o-2024-08-06","choices":[{"index":0,"finish_reason":"tool_calls",
	  "message":{"role":"assistant","content":null,"tool_calls":[
	    {"id":"call_a","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}},
	    {"id":"call_b","type":"function","function":{"name":"get_time","arguments":"{}"}}]}}],
	  "usage":{"prompt_tokens":50,"completion_tokens":20}}`)
	m, err := ParseChatResponse(body)
	if err != nil {
		t.Fatal(err)
	}
	if m.FinishReason != "tool_calls" || len(m.ToolCalls) != 2 || m.ToolCalls[0].Arguments != `{"city":"Paris"}` || m.Usage.Output.Or(0) != 20 {
		t.Fatalf("parsed %+v", m)
	}
	a := gjson.ParseBytes(m.AssistantJSON())
	if a.Get("role").String() != "assistant" || a.Get("content").Type != gjson.Null || a.Get("tool_calls.1.function.name").String() != "get_time" {
		t.Fatalf("assistant message %s", m.AssistantJSON())
	}
	if _, err := ParseChatResponse([]byte(`{"choices":[`)); err == nil {
		t.Fatal("invalid JSON accepted")
	}
}

func TestTaskKeyIgnoresUserTurnButNotToolsOrSchema(t *testing.T) {
	base := `{"messages":[{"role":"system","content":"You extract invoices."},{"role":"user","content":"%s"}],
	  "tools":[{"type":"function","function":{"name":"b"}},{"type":"function","function":{"name":"a"}}]}`
	k1 := TaskKey([]byte(fmt.Sprintf(base, "first")))
	k2 := TaskKey([]byte(fmt.Sprintf(base, "second")))
	if k1 != k2 {
		t.Fatalf("same task, different user turns: %s vs %s", k1, k2)
	}
	other := TaskKey([]byte(`{"messages":[{"role":"system","content":"You extract invoices."}],"tools":[{"type":"function","function":{"name":"c"}}]}`))
	if other == k1 {
		t.Fatal("a different tool set must be a different task")
	}
}

func TestEncodeErrorEnvelope(t *testing.T) {
	e := gjson.ParseBytes(EncodeError("bad", "invalid_request_error", "", "x"))
	if e.Get("error.message").String() != "bad" || e.Get("error.param").Type != gjson.Null || e.Get("error.code").String() != "x" {
		t.Fatalf("envelope %s", e.Raw)
	}
}

// assistantJSONByMarshal is AssistantJSON as first written, through
// json.Marshal: the reference for the hand-written encoder.
func assistantJSONByMarshal(m Message) []byte {
	type fn struct {
		Name      string `json:"name"`
		Arguments string `json:"arguments"`
	}
	type call struct {
		ID       string `json:"id,omitempty"`
		Type     string `json:"type"`
		Function fn     `json:"function"`
	}
	out := struct {
		Role      string  `json:"role"`
		Content   *string `json:"content"`
		ToolCalls []call  `json:"tool_calls,omitempty"`
	}{Role: "assistant"}
	if m.Content != "" || len(m.ToolCalls) == 0 {
		c := m.Content
		out.Content = &c
	}
	for _, tc := range m.ToolCalls {
		out.ToolCalls = append(out.ToolCalls, call{ID: tc.ID, Type: "function", Function: fn{tc.Name, tc.Arguments}})
	}
	b, _ := json.Marshal(out)
	return b
}

func TestAssistantJSONMatchesJSONMarshal(t *testing.T) {
	odd := []string{"", "Paris.", `{"city":"Lyon"}`, "<b>&amp;</b>", "line\nbreak\t\"q\" \\", "\u2028\u2029 é 日本", "bad \xff\xfe utf8", "\x00\x1f\x7f"}
	msgs := []Message{{}, {Content: "Paris."}}
	for i, s := range odd {
		msgs = append(msgs, Message{Content: s},
			Message{ToolCalls: []ToolCall{{ID: s, Name: odd[(i+1)%len(odd)], Arguments: odd[(i+2)%len(odd)]}}},
			Message{Content: s, ToolCalls: []ToolCall{{Name: "a"}, {ID: "call_1", Name: s, Arguments: s}}})
	}
	for _, m := range msgs {
		if got, want := string(m.AssistantJSON()), string(assistantJSONByMarshal(m)); got != want {
			t.Fatalf("AssistantJSON(%+v)\n got %s\nwant %s", m, got, want)
		}
	}
}

func FuzzAssistantJSONMatchesJSONMarshal(f *testing.F) {
	f.Add("Paris.", "", "", "", false)
	f.Add("", "call_1", "get_weather", `{"city":"Paris"}`, true)
	f.Add("<&>", "\xff", "\u2028", "\x00", true)
	f.Fuzz(func(t *testing.T, content, id, name, args string, call bool) {
		m := Message{Content: content}
		if call {
			m.ToolCalls = []ToolCall{{ID: id, Name: name, Arguments: args}, {Name: args, Arguments: name}}
		}
		if got, want := string(m.AssistantJSON()), string(assistantJSONByMarshal(m)); got != want {
			t.Fatalf("AssistantJSON(%+v)\n got %s\nwant %s", m, got, want)
		}
	})
}
