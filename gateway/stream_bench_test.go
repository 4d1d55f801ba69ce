package gateway

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/fledgling-ai/fledgling/internal/capture"
)

// benchStream is a 30-event chat stream with the usage chunk and [DONE],
// as an OpenAI upstream sends it when include_usage was asked.
func benchStream() []byte {
	var b strings.Builder
	chunk := `{"id":"chatcmpl-b","object":"chat.completion.chunk","created":1,"model":"big-upstream","system_fingerprint":"fp","choices":[{"index":0,"delta":%s,"logprobs":null,"finish_reason":%s}],"usage":null}`
	fmt.Fprintf(&b, "data: "+chunk+"\n\n", `{"role":"assistant","content":"","refusal":null}`, "null")
	for i := 0; i < 28; i++ {
		fmt.Fprintf(&b, "data: "+chunk+"\n\n", fmt.Sprintf(`{"content":" word%d"}`, i), "null")
	}
	fmt.Fprintf(&b, "data: "+chunk+"\n\n", `{}`, `"stop"`)
	b.WriteString(`data: {"id":"chatcmpl-b","object":"chat.completion.chunk","created":1,"model":"big-upstream","system_fingerprint":"fp","choices":[],"usage":{"prompt_tokens":12,"completion_tokens":30,"total_tokens":42}}` + "\n\n")
	b.WriteString("data: [DONE]\n\n")
	return []byte(b.String())
}

type discardRecorder struct{}

func (discardRecorder) Record(*capture.Record) {}

// BenchmarkRelayStream relays a 30-event stream through the whole handler
// (the client did not ask for usage, so the usage chunk is stripped).
func BenchmarkRelayStream(b *testing.B) {
	body := benchStream()
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(200)
		_, _ = w.Write(body)
	}))
	defer up.Close()
	gw := testGateway(b, up.URL+"/v1", Options{Recorder: discardRecorder{}, Pricer: testPricer{}})
	req := `{"model":"gpt-solo","stream":true,"messages":[{"role":"user","content":"hi"}]}`
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r := httptest.NewRequest("POST", "/v1/chat/completions", strings.NewReader(req))
		r.Header.Set("Authorization", "Bearer sk-team-a")
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		gw.ServeHTTP(w, r)
		if w.Code != 200 || !strings.HasSuffix(w.Body.String(), "data: [DONE]\n\n") || strings.Contains(w.Body.String(), "usage") {
			b.Fatalf("bad relay %d: %q", w.Code, w.Body.String())
		}
	}
}
