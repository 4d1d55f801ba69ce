package telemetry

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/otlptranslator"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"

	"github.com/fledgling-ai/fledgling/internal/bgprio"
	"github.com/fledgling-ai/fledgling/internal/capture"
)

// Bucket boundaries from the GenAI metrics semantic conventions v1.41.
var (
	tokenBuckets    = []float64{1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864}
	durationBuckets = []float64{0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92}
)

// MetricsOptions configure NewMetrics.
type MetricsOptions struct {
	// Prometheus registers the metrics with Registerer (exposed at /metrics).
	Registerer prometheus.Registerer
	// OTLP also pushes metrics with the standard OTEL_EXPORTER_OTLP_* variables.
	OTLP bool
	// Interval of OTLP pushes. Default 30s.
	OTLPInterval time.Duration
	Resource     *resource.Resource
}

// Metrics holds every instrument the gateway records. Build one per process
// with NewMetrics; the zero value is not usable, a nil *Metrics records nothing.
type Metrics struct {
	provider *sdkmetric.MeterProvider

	tokenUsage  metric.Int64Histogram
	opDuration  metric.Float64Histogram
	firstChunk  metric.Float64Histogram
	requests    metric.Int64Counter
	retries     metric.Int64Counter
	fallbacks   metric.Int64Counter
	exportError metric.Int64Counter

	mu         sync.Mutex
	breakers   map[string]int64
	queues     []queueStat
	captureLag func() time.Duration
}

type queueStat struct {
	name    string
	depth   func() int
	dropped func() uint64
}

// NewMetrics builds the instruments on a MeterProvider whose readers are the
// Prometheus registerer and, when asked, an OTLP exporter.
func NewMetrics(ctx context.Context, opt MetricsOptions) (*Metrics, error) {
	var readers []sdkmetric.Option
	if opt.Registerer != nil {
		exp, err := otelprom.New(otelprom.WithRegisterer(opt.Registerer), otelprom.WithoutScopeInfo(),
			otelprom.WithoutTargetInfo(), otelprom.WithTranslationStrategy(otlptranslator.UnderscoreEscapingWithSuffixes))
		if err != nil {
			return nil, fmt.Errorf("prometheus metrics exporter: %w", err)
		}
		readers = append(readers, sdkmetric.WithReader(exp))
	}
	if opt.OTLP {
		exp, err := otlpmetrichttp.New(ctx)
		if err != nil {
			return nil, fmt.Errorf("otlp metrics exporter: %w", err)
		}
		interval := opt.OTLPInterval
		if interval <= 0 {
			interval = 30 * time.Second
		}
		readers = append(readers, sdkmetric.WithReader(sdkmetric.NewPeriodicReader(exp, sdkmetric.WithInterval(interval))))
	}
	if opt.Resource != nil {
		readers = append(readers, sdkmetric.WithResource(opt.Resource))
	}
	m := &Metrics{provider: sdkmetric.NewMeterProvider(readers...), breakers: map[string]int64{}}
	if err := m.instruments(m.provider.Meter(tracerName)); err != nil {
		return nil, err
	}
	return m, nil
}

func (m *Metrics) instruments(meter metric.Meter) error {
	var errs [10]error
	m.tokenUsage, errs[0] = meter.Int64Histogram("gen_ai.client.token.usage", metric.WithUnit("{token}"),
		metric.WithDescription("Number of input and output tokens used."), metric.WithExplicitBucketBoundaries(tokenBuckets...))
	m.opDuration, errs[1] = meter.Float64Histogram("gen_ai.client.operation.duration", metric.WithUnit("s"),
		metric.WithDescription("GenAI operation duration."), metric.WithExplicitBucketBoundaries(durationBuckets...))
	m.firstChunk, errs[2] = meter.Float64Histogram("gen_ai.client.operation.time_to_first_chunk", metric.WithUnit("s"),
		metric.WithDescription("Time to the first chunk of a streamed response."), metric.WithExplicitBucketBoundaries(durationBuckets...))
	m.requests, errs[3] = meter.Int64Counter("fledgling.gateway.requests", metric.WithDescription("Requests by route, model and status."))
	m.retries, errs[4] = meter.Int64Counter("fledgling.gateway.retries", metric.WithDescription("Upstream retries (same target)."))
	m.fallbacks, errs[5] = meter.Int64Counter("fledgling.gateway.fallbacks", metric.WithDescription("Moves to a fallback target."))
	m.exportError, errs[6] = meter.Int64Counter("fledgling.telemetry.export.errors", metric.WithDescription("Failed span exports by destination."))
	_, errs[7] = meter.Int64ObservableGauge("fledgling.breaker.state",
		metric.WithDescription("Circuit breaker state per target: 0 closed, 1 half-open, 2 open."), metric.WithInt64Callback(m.observeBreakers))
	_, errs[8] = meter.Int64ObservableGauge("fledgling.queue.depth",
		metric.WithDescription("Items waiting in a background queue."), metric.WithInt64Callback(m.observeDepth))
	_, errs[9] = meter.Int64ObservableCounter("fledgling.queue.dropped",
		metric.WithDescription("Items a background queue dropped because it was full."), metric.WithInt64Callback(m.observeDropped))
	if _, err := meter.Float64ObservableGauge("fledgling.capture.lag", metric.WithUnit("s"),
		metric.WithDescription("How long the last committed capture batch waited in memory."), metric.WithFloat64Callback(m.observeLag)); err != nil {
		return fmt.Errorf("metric instruments: %w", err)
	}
	if _, err := meter.Int64ObservableCounter("fledgling.background.priority.restored",
		metric.WithDescription("Times a background thread at idle CPU priority was starved and went back to normal priority for a while (server.background_priority)."),
		metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error { o.Observe(int64(bgprio.Restored())); return nil })); err != nil {
		return fmt.Errorf("metric instruments: %w", err)
	}
	for _, err := range errs {
		if err != nil {
			return fmt.Errorf("metric instruments: %w", err)
		}
	}
	return nil
}

// SetBreakerState records a circuit breaker's state for target
// (0 closed, 1 half-open, 2 open). Safe on a nil *Metrics.
func (m *Metrics) SetBreakerState(target string, state int) {
	if m == nil {
		return
	}
	m.mu.Lock()
	m.breakers[target] = int64(state)
	m.mu.Unlock()
}

// RegisterQueue exposes a background queue's depth and drop count as
// fledgling_queue_depth{queue=name} and fledgling_queue_dropped_total{queue=name}.
func (m *Metrics) RegisterQueue(name string, depth func() int, dropped func() uint64) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, q := range m.queues {
		if q.name == name {
			m.queues[i] = queueStat{name, depth, dropped}
			return
		}
	}
	m.queues = append(m.queues, queueStat{name, depth, dropped})
}

// SetCaptureLag registers the capture writer's lag source.
func (m *Metrics) SetCaptureLag(lag func() time.Duration) {
	if m == nil {
		return
	}
	m.mu.Lock()
	m.captureLag = lag
	m.mu.Unlock()
}

func (m *Metrics) observeBreakers(_ context.Context, o metric.Int64Observer) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for target, st := range m.breakers {
		o.Observe(st, metric.WithAttributes(attribute.String("target", target)))
	}
	return nil
}

func (m *Metrics) observeDepth(_ context.Context, o metric.Int64Observer) error {
	for _, q := range m.snapshotQueues() {
		if q.depth != nil {
			o.Observe(int64(q.depth()), metric.WithAttributes(attribute.String("queue", q.name)))
		}
	}
	return nil
}

func (m *Metrics) observeDropped(_ context.Context, o metric.Int64Observer) error {
	for _, q := range m.snapshotQueues() {
		if q.dropped != nil {
			o.Observe(int64(q.dropped()), metric.WithAttributes(attribute.String("queue", q.name)))
		}
	}
	return nil
}

func (m *Metrics) observeLag(_ context.Context, o metric.Float64Observer) error {
	m.mu.Lock()
	lag := m.captureLag
	m.mu.Unlock()
	if lag != nil {
		o.Observe(lag().Seconds())
	}
	return nil
}

func (m *Metrics) snapshotQueues() []queueStat {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]queueStat(nil), m.queues...)
}

// Shutdown flushes and stops the OTLP reader, if any.
func (m *Metrics) Shutdown(ctx context.Context) error {
	if m == nil {
		return nil
	}
	return m.provider.Shutdown(ctx)
}

// observeCall records one completed call.
func (m *Metrics) observeCall(ctx context.Context, rec *capture.Record, d *callDesc) {
	if m == nil {
		return
	}
	// Only configured names become label values: the requested model of a
	// call that no upstream answered is whatever the client sent.
	model := rec.AnsweringModel
	if model == "" {
		model = "none"
	}
	m.requests.Add(ctx, 1, metric.WithAttributes(attribute.String("route", rec.Route),
		attribute.String("model", model), attribute.String("status", strconv.Itoa(rec.Status))))
	retries, fallbacks := countRetries(rec.Attempts)
	if retries > 0 {
		m.retries.Add(ctx, retries, metric.WithAttributes(attribute.String("route", rec.Route)))
	}
	if fallbacks > 0 {
		m.fallbacks.Add(ctx, fallbacks, metric.WithAttributes(attribute.String("route", rec.Route)))
	}
	if len(attemptsOf(rec)) > 0 { // an upstream operation took place
		m.observeGenAI(ctx, rec, d)
	}
}

func (m *Metrics) observeGenAI(ctx context.Context, rec *capture.Record, d *callDesc) {
	base := []attribute.KeyValue{
		attribute.String(keyOperation, d.operation), attribute.String(keyProvider, d.providerName),
		attribute.String(keyRequestModel, d.requestModel),
	}
	if d.responseModel != "" {
		base = append(base, attribute.String(keyResponseModel, d.responseModel))
	}
	durAttrs := base
	if et := errorType(rec); et != "" {
		durAttrs = append(append([]attribute.KeyValue(nil), base...), attribute.String(keyErrorType, et))
	}
	durOpt := metric.WithAttributeSet(attribute.NewSet(durAttrs...)) // one set for both instruments
	m.opDuration.Record(ctx, rec.Latency.Seconds(), durOpt)
	if rec.Stream && rec.TTFT > 0 {
		m.firstChunk.Record(ctx, rec.TTFT.Seconds(), durOpt)
	}
	if n, ok := rec.Usage.Input.Get(); ok {
		m.tokenUsage.Record(ctx, n, metric.WithAttributes(append(base, attribute.String(keyTokenType, "input"))...))
	}
	if n, ok := rec.Usage.Output.Get(); ok {
		m.tokenUsage.Record(ctx, n, metric.WithAttributes(append(base, attribute.String(keyTokenType, "output"))...))
	}
}

func (m *Metrics) exportFailed(destination string) {
	if m == nil {
		return
	}
	m.exportError.Add(context.Background(), 1, metric.WithAttributes(attribute.String("destination", destination)))
}

// countRetries counts retries (a further try on the same target) and
// fallbacks (the first try on a later target) among a call's attempts.
func countRetries(as []capture.Attempt) (retries, fallbacks int64) {
	for _, a := range as {
		switch {
		case a.Retry > 0:
			retries++
		case a.Fallback > 0:
			fallbacks++
		}
	}
	return retries, fallbacks
}
