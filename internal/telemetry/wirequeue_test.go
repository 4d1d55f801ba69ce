package telemetry

import (
	"bytes"
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/sdk/instrumentation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/fledgling-ai/fledgling/internal/capture"
)

// What Langfuse receives, encoded as each span was built and sent in
// batches, is byte for byte what our encoding of the SDK's snapshots of the
// same spans gives (itself checked against the official exporter), without
// the attributes Langfuse is not sent, and decodes to what the official
// exporter would send.
func TestLangfuseGetsTheSpansEncodedAsTheOfficialExporterWould(t *testing.T) {
	rcv := newReceiver(t)
	tel, err := New(context.Background(), testConfig(rcv.srv.URL), Options{Version: "1.2.3", Providers: testProviders,
		BatchSize: 3, BatchInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer tel.Shutdown(context.Background())
	tel.semContent = true // build the semconv content too: the Langfuse queue must leave it out
	snaps := tracetest.NewSpanRecorder()
	tel.registerProcessor(snaps)
	req := httptest.NewRequest("POST", "/v1/chat/completions", nil)
	for _, r := range []*capture.Record{chatRecord(), streamRecord(), toolRecord(), embeddingRecord(), errorRecord()} {
		tel.Finish(tel.Start(context.Background(), req), r)
	}
	if err := tel.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	var want []sdktrace.ReadOnlySpan
	for _, s := range snaps.Ended() {
		want = append(want, without(s, semconvContentKeys))
	}
	got := rcv.requests()
	if len(want) != 12 || len(got) != 4 {
		t.Fatalf("%d spans built, %d requests sent; want 12 spans in 4 batches of 3", len(want), len(got))
	}
	for i, r := range got {
		batch := want[3*i : 3*i+3]
		if ours := appendExportRequest(nil, batch); !bytes.Equal(r.body, ours) {
			t.Fatalf("batch %d: sent %d bytes, not the %d of our encoding of the snapshots", i, len(r.body), len(ours))
		}
		var sent collectortrace.ExportTraceServiceRequest
		if err := proto.Unmarshal(r.body, &sent); err != nil {
			t.Fatal(err)
		}
		if official := officialRequest(t, batch); !proto.Equal(official, &sent) {
			t.Fatalf("batch %d differs from the official exporter's:\nofficial %v\nsent     %v", i, official, &sent)
		}
	}
}

// The encoded queue keeps its bound: spans past it are dropped and
// counted, and the rest are exported in order.
func TestEncodedQueueDropsPastItsBoundAndKeepsOrder(t *testing.T) {
	rcv := newReceiver(t)
	exp := newOTLPHTTP(rcv.srv.URL, nil, time.Second)
	p := newPipeline(exp, pipelineOptions{name: "test", ownOnly: true, queueSize: 5, batchSize: 2, interval: time.Hour,
		enc: exp, env: newEnvelope(nil, instrumentation.Scope{Name: tracerName})})
	defer p.Shutdown(context.Background())
	for i := range 8 {
		p.OnEnd(stubSpan(string(rune('a' + i))))
	}
	if p.Depth() != 5 || p.Dropped() != 3 {
		t.Fatalf("depth %d, dropped %d; want 5 and 3", p.Depth(), p.Dropped())
	}
	if err := p.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range rcv.requests() {
		if len(r.spans) > 2 {
			t.Fatalf("a batch of %d spans; want at most 2", len(r.spans))
		}
		for _, s := range r.spans {
			names = append(names, s.Name)
		}
	}
	if got := strings.Join(names, ""); got != "abcde" {
		t.Fatalf("exported %q, want abcde", got)
	}
}

// Calls finished from many goroutines while both destinations export (and
// so build spans) concurrently: every span reaches each destination once,
// and carries its own call's attributes, not another's from a reused
// scratch.
func TestConcurrentCallsKeepTheirOwnAttributesInBothDestinations(t *testing.T) {
	lf, generic := newReceiver(t), newReceiver(t)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", generic.srv.URL)
	cfg := testConfig(lf.srv.URL)
	cfg.OTLP.Enabled = true
	tel := newTestTelemetry(t, cfg)
	const workers, calls = 8, 50
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range calls {
				rec := toolRecord()
				rec.ID = fmt.Sprintf("req-%d-%d", w, i)
				tel.Finish(tel.Start(context.Background(), httptest.NewRequest("POST", "/v1/chat/completions", nil)), rec)
			}
		}()
	}
	wg.Wait()
	if err := tel.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	for name, rcv := range map[string]*receiver{"langfuse": lf, "otlp": generic} {
		ids := map[string]string{} // trace id → request id
		spans := 0
		for _, s := range rcv.spans() {
			spans++
			id, _ := attrs(s)[keyRequestID].(string)
			if prev, ok := ids[hexID(s.TraceId)]; ok && prev != id {
				t.Fatalf("%s: trace %x has spans of %s and %s", name, s.TraceId, prev, id)
			}
			ids[hexID(s.TraceId)] = id
		}
		if spans != 2*workers*calls || len(ids) != workers*calls {
			t.Fatalf("%s: %d spans in %d traces; want %d in %d", name, spans, len(ids), 2*workers*calls, workers*calls)
		}
	}
}
