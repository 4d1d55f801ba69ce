package telemetry

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	collectormetrics "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	"google.golang.org/protobuf/proto"
)

func TestMetricsArePushedOverOTLPWhenAsked(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]bool{}
	paths := map[string]bool{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Header.Get("Content-Encoding") == "gzip" {
			zr, _ := gzip.NewReader(bytes.NewReader(body))
			body, _ = io.ReadAll(zr)
		}
		var msg collectormetrics.ExportMetricsServiceRequest
		if err := proto.Unmarshal(body, &msg); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		paths[r.URL.Path] = true
		for _, rm := range msg.ResourceMetrics {
			for _, sm := range rm.ScopeMetrics {
				for _, m := range sm.Metrics {
					seen[m.Name] = true
				}
			}
		}
	}))
	defer srv.Close()
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", srv.URL)
	ctx := context.Background()
	m, err := NewMetrics(ctx, MetricsOptions{OTLP: true, OTLPInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	tel, err := New(ctx, testConfig(""), Options{Metrics: m, Providers: testProviders})
	if err != nil {
		t.Fatal(err)
	}
	tel.Finish(ctx, chatRecord())
	if err := m.Shutdown(ctx); err != nil { // flushes the periodic reader
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if !paths["/v1/metrics"] {
		t.Fatalf("no OTLP metrics export; paths %v", paths)
	}
	for _, name := range []string{"gen_ai.client.token.usage", "gen_ai.client.operation.duration", "fledgling.gateway.requests"} {
		if !seen[name] {
			t.Errorf("%s not pushed over OTLP; got %v", name, seen)
		}
	}
}
