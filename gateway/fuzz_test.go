package gateway

import (
	"testing"

	"github.com/fledgling-ai/fledgling/internal/capture"
)

// FuzzDecodeRequest: any body gives a request or a 400, never a panic.
func FuzzDecodeRequest(f *testing.F) {
	for _, s := range []string{chatBody, streamBody, `{"model":"m","messages":[],"metadata":{"tags":["a",1],"session_id":"s"}}`,
		`{"model":1}`, `[]`, `{"model":"m","stream":"yes","messages":[{}]}`, "\x00", `{"model":"m","input":"x","metadata":{"tags":"a,,b"}}`} {
		f.Add(s)
	}
	kinds := []capture.Kind{capture.KindChat, capture.KindCompletion, capture.KindEmbedding, capture.KindResponses}
	f.Fuzz(func(t *testing.T, body string) {
		for _, k := range kinds {
			info, err := DecodeRequest(k, []byte(body))
			if err == nil && info.Model == "" {
				t.Fatalf("accepted a request without a model: %q", body)
			}
			if err != nil {
				if ae, ok := err.(*apiError); !ok || ae.Status != 400 {
					t.Fatalf("error is not a 400: %v", err)
				}
			}
		}
	})
}

func TestDecodeRequestReadsRoutingFields(t *testing.T) {
	info, err := DecodeRequest(capture.KindChat, []byte(`{"model":"m","stream":true,"stream_options":{"include_usage":true},"user":"u","messages":[{"role":"user","content":"x"}],"metadata":{"a":"1","n":2,"tags":["x","y"]}}`))
	if err != nil || info.Model != "m" || !info.Stream || !info.IncludeUsage || info.User != "u" || info.Metadata["a"] != "1" || len(info.Metadata) != 1 || len(info.Tags) != 2 {
		t.Fatalf("%v %+v", err, info)
	}
}
