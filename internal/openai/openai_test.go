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
