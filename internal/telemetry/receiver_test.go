package telemetry

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// receiver is an in-process OTLP/HTTP traces endpoint that keeps every
// request's headers, raw (decompressed) body and decoded spans.
type receiver struct {
	srv *httptest.Server
	mu  sync.Mutex
	req []received
}

type received struct {
	path    string
	header  http.Header
	gzipped bool
	body    []byte
	spans   []*tracepb.Span
	scopes  []string
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{}
	r.srv = httptest.NewServer(http.HandlerFunc(r.handle))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) handle(w http.ResponseWriter, req *http.Request) {
	raw, _ := io.ReadAll(req.Body)
	got := received{path: req.URL.Path, header: req.Header.Clone(), body: raw}
	if req.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		got.gzipped = true
		got.body, _ = io.ReadAll(zr)
	}
	var msg collectortrace.ExportTraceServiceRequest
	if err := proto.Unmarshal(got.body, &msg); err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	for _, rs := range msg.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			for _, s := range ss.Spans {
				got.spans = append(got.spans, s)
				got.scopes = append(got.scopes, ss.GetScope().GetName())
			}
		}
	}
	r.mu.Lock()
	r.req = append(r.req, got)
	r.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-protobuf")
	w.Write([]byte{})
}

func (r *receiver) requests() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.req...)
}

func (r *receiver) spans() []*tracepb.Span {
	var out []*tracepb.Span
	for _, q := range r.requests() {
		out = append(out, q.spans...)
	}
	return out
}

// attrs flattens a span's attributes to Go values (string, int64, float64,
// bool, []string).
func attrs(s *tracepb.Span) map[string]any {
	m := map[string]any{}
	for _, kv := range s.Attributes {
		m[kv.Key] = anyValue(kv.Value)
	}
	return m
}

func anyValue(v *commonpb.AnyValue) any {
	switch x := v.Value.(type) {
	case *commonpb.AnyValue_StringValue:
		return x.StringValue
	case *commonpb.AnyValue_IntValue:
		return x.IntValue
	case *commonpb.AnyValue_DoubleValue:
		return x.DoubleValue
	case *commonpb.AnyValue_BoolValue:
		return x.BoolValue
	case *commonpb.AnyValue_ArrayValue:
		var out []string
		for _, e := range x.ArrayValue.Values {
			out = append(out, e.GetStringValue())
		}
		return out
	}
	return nil
}
