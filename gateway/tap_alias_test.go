package gateway

import (
	"testing"

	"github.com/tidwall/gjson"

	"github.com/fledgling-ai/fledgling/internal/capture"
)

// TestTapKeepsNothingOfTheEventBytes feeds chat chunks through one buffer
// that is scribbled over after each event, as the SSE reader reuses it:
// everything the tap reassembled must survive.
func TestTapKeepsNothingOfTheEventBytes(t *testing.T) {
	events := []string{
		`{"id":"chatcmpl-x1","model":"m-1","choices":[{"index":0,"delta":{"role":"assistant","content":"Hel"}}]}`,
		`{"id":"chatcmpl-x1","model":"m-1","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"get_weather","arguments":"{"}}]}}]}`,
		`{"id":"chatcmpl-x1","model":"m-1","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":""}}]}}]}`,
		`{"id":"chatcmpl-x1","model":"m-1","choices":[{"index":0,"delta":{"content":"lo","tool_calls":[{"index":0,"function":{"arguments":"\"city\":\"Paris\"}"}}]}}]}`,
		`{"id":"chatcmpl-x1","model":"m-1","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}`,
	}
	tp := newTap(capture.KindChat)
	buf := make([]byte, 0, 512)
	for _, ev := range events {
		buf = append(buf[:0], ev...)
		r := gjson.Parse(eventJSON(capture.KindChat, buf))
		f := scanFields(r)
		tp.add("", r, &f)
		for i := range buf[:cap(buf)] {
			buf[:cap(buf)][i] = '#'
		}
	}
	m := tp.message()
	if m.ID != "chatcmpl-x1" || m.Model != "m-1" || m.Content != "Hello" || m.FinishReason != "tool_calls" || len(m.ToolCalls) != 1 {
		t.Fatalf("message %+v", m)
	}
	if c := m.ToolCalls[0]; c.ID != "call_a" || c.Type != "function" || c.Name != "get_weather" || c.Arguments != `{"city":"Paris"}` {
		t.Fatalf("tool call %+v", c)
	}
	buf = append(buf[:0], `{"error":{"message":"overloaded"}}`...)
	r := gjson.Parse(eventJSON(capture.KindChat, buf))
	f := scanFields(r)
	tp.add("", r, &f)
	copy(buf, "##########################################")
	if tp.failed != "overloaded" {
		t.Fatalf("failed %q", tp.failed)
	}
}
