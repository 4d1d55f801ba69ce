package telemetry

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func BenchmarkStartFinish(b *testing.B) {
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.Copy(io.Discard, r.Body) }))
	defer sink.Close()
	tel, err := New(context.Background(), testConfig(sink.URL), Options{Providers: testProviders, BatchInterval: 100 * time.Millisecond})
	if err != nil {
		b.Fatal(err)
	}
	defer tel.Shutdown(context.Background())
	req := httptest.NewRequest("POST", "/v1/chat/completions", nil)
	rec := toolRecord()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ctx := tel.Start(context.Background(), req)
		tel.Finish(ctx, rec)
	}
	tel.ForceFlush(context.Background())
}

func BenchmarkStartFinishNoExport(b *testing.B) {
	tel, err := New(context.Background(), testConfig(""), Options{Providers: testProviders})
	if err != nil {
		b.Fatal(err)
	}
	tel.lfContent = true // build the content as if Langfuse wanted it
	req := httptest.NewRequest("POST", "/v1/chat/completions", nil)
	rec := toolRecord()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		tel.Finish(tel.Start(context.Background(), req), rec)
	}
}
