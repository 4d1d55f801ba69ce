package redact

import (
	"encoding/json"
	"testing"

	"github.com/fledgling-ai/fledgling/internal/capture"
	"github.com/fledgling-ai/fledgling/internal/config"
	"github.com/fledgling-ai/fledgling/internal/openai"
)

func BenchmarkRedactRecord(b *testing.B) {
	r := New(config.Redaction{Builtins: []string{"email"}})
	r.AddSecret("sk-bench-provider-key-0001")
	r.AddSecret("fk-bench-virtual-key-0001")
	rec := &capture.Record{
		Request:  json.RawMessage(`{"model":"gpt-4o-mini","user":"u1","temperature":0.2,"messages":[{"role":"system","content":"You are terse."},{"role":"user","content":"What is the capital of France? Reply with one word. Contact: ops@example.com"}]}`),
		Response: openai.Message{Content: "Paris."},
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		r.Redact(rec)
	}
}
