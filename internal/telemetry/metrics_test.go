package telemetry

import (
	"context"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/fledgling-ai/fledgling/internal/capture"
	"github.com/fledgling-ai/fledgling/internal/config"
)

func TestMetricsAppearInTheInjectedRegistry(t *testing.T) {
	ctx := context.Background()
	tel, reg := withRegistry(t, testConfig(""), Options{})
	m := tel.metrics
	tel.Finish(ctx, chatRecord())
	tel.Finish(ctx, streamRecord())
	tel.Finish(ctx, errorRecord())
	m.SetBreakerState("openai/gpt-4o-mini", 2)
	m.RegisterQueue("shadow", func() int { return 7 }, func() uint64 { return 3 })
	m.SetCaptureLag(func() time.Duration { return 250 * time.Millisecond })

	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*dto.MetricFamily{}
	for _, f := range families {
		byName[f.GetName()] = f
	}
	tokens := byName["gen_ai_client_token_usage"]
	if tokens == nil {
		t.Fatalf("gen_ai_client_token_usage missing; have %v", names(families))
	}
	if b := bounds(tokens); b != "1,4,16,64,256,1024,4096,16384,65536,262144,1.048576e+06,4.194304e+06,1.6777216e+07,6.7108864e+07" {
		t.Errorf("token buckets %s", b)
	}
	dur := byName["gen_ai_client_operation_duration_seconds"]
	if dur == nil || bounds(dur) != "0.01,0.02,0.04,0.08,0.16,0.32,0.64,1.28,2.56,5.12,10.24,20.48,40.96,81.92" {
		t.Fatalf("operation duration missing or wrong buckets; have %v", names(families))
	}
	if !hasLabel(tokens, "gen_ai_token_type", "input") || !hasLabel(tokens, "gen_ai_token_type", "output") {
		t.Error("token usage lacks gen_ai.token.type input/output")
	}
	if !hasLabel(dur, "error_type", "upstream_timeout") {
		t.Error("operation duration of the failed call lacks error.type")
	}
	checks := []struct{ name, want string }{
		{"fledgling_gateway_requests_total", `status="504"`},
		{"fledgling_gateway_retries_total", `route="support"`},
		{"fledgling_gateway_fallbacks_total", `route="support"`},
		{"fledgling_breaker_state", `target="openai/gpt-4o-mini"`},
		{"fledgling_queue_depth", `queue="shadow"`},
		{"fledgling_queue_dropped_total", `queue="shadow"`},
		{"fledgling_capture_lag_seconds", ``},
		{"fledgling_background_priority_restored_total", ``},
		{"gen_ai_client_operation_time_to_first_chunk_seconds", ``},
	}
	for _, c := range checks {
		f := byName[c.name]
		if f == nil || len(f.Metric) == 0 {
			t.Errorf("%s missing; have %v", c.name, names(families))
			continue
		}
		if kv := strings.SplitN(c.want, "=", 2); c.want != "" && !hasLabel(f, kv[0], strings.Trim(kv[1], `"`)) {
			t.Errorf("%s lacks %s: %v", c.name, c.want, f)
		}
	}
	if v := gaugeValue(byName["fledgling_breaker_state"]); v != 2 {
		t.Errorf("breaker state %v; want 2", v)
	}
	if v := gaugeValue(byName["fledgling_capture_lag_seconds"]); v != 0.25 {
		t.Errorf("capture lag %v; want 0.25", v)
	}
}

func names(fs []*dto.MetricFamily) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.GetName())
	}
	return out
}

func bounds(f *dto.MetricFamily) string {
	var out []string
	for _, b := range f.Metric[0].GetHistogram().GetBucket() {
		out = append(out, strings.TrimSuffix(strings.TrimSuffix(formatFloat(b.GetUpperBound()), ".0"), ".00"))
	}
	return strings.Join(out, ",")
}

func hasLabel(f *dto.MetricFamily, name, value string) bool {
	for _, m := range f.Metric {
		for _, l := range m.Label {
			if l.GetName() == name && l.GetValue() == value {
				return true
			}
		}
	}
	return false
}

func gaugeValue(f *dto.MetricFamily) float64 {
	if f == nil || len(f.Metric) == 0 {
		return -1
	}
	return f.Metric[0].GetGauge().GetValue()
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// With no destination for spans, Finish records only the metrics: the same
// ones, with the same labels and values, as when spans are built.
func TestMetricsAreTheSameWithoutSpanDestinations(t *testing.T) {
	ctx := context.Background()
	gather := func(withSpans bool) (string, int) {
		tel, reg := withRegistry(t, testConfig(""), Options{})
		spans := tracetest.NewSpanRecorder()
		if withSpans {
			tel.registerProcessor(spans)
		}
		req := httptest.NewRequest("POST", "/v1/chat/completions", nil)
		for _, rec := range []*capture.Record{chatRecord(), streamRecord(), toolRecord(), embeddingRecord(), errorRecord()} {
			tel.Finish(tel.Start(ctx, req), rec)
		}
		return gathered(t, reg), len(spans.Ended())
	}
	with, n := gather(true)
	without, none := gather(false)
	if n == 0 || none != 0 {
		t.Fatalf("%d spans with a destination, %d without; want some and none", n, none)
	}
	if !strings.Contains(with, "gen_ai_client_token_usage") || !strings.Contains(with, "fledgling_gateway_requests_total") {
		t.Fatalf("metrics missing:\n%s", with)
	}
	if with != without {
		t.Fatalf("metrics differ without a span destination:\nwith spans:\n%s\nwithout:\n%s", with, without)
	}
}

// gathered is everything in reg in the Prometheus text format.
func gathered(t *testing.T, reg *prometheus.Registry) string {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, f := range families {
		if _, err := expfmt.MetricFamilyToText(&b, f); err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}

// withRegistry is a Telemetry whose metrics go to a registry of their own;
// opt's Metrics and Providers are set here. It is shut down with the test.
func withRegistry(t *testing.T, cfg config.Telemetry, opt Options) (*Telemetry, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	m, err := NewMetrics(context.Background(), MetricsOptions{Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	opt.Metrics, opt.Providers = m, testProviders
	tel, err := New(context.Background(), cfg, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tel.Shutdown(context.Background()) })
	return tel, reg
}
