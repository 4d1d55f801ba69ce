package telemetry

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/fledgling-ai/fledgling/internal/config"
)

// LangfuseTracesPath is Langfuse's OTLP/HTTP traces endpoint below its host.
const LangfuseTracesPath = "/api/public/otel/v1/traces"

// Options configure New.
type Options struct {
	// Version is service.version, langfuse.release and x-langfuse-sdk-version.
	Version string
	Log     *slog.Logger
	Metrics *Metrics
	// Providers describe upstreams (gen_ai.provider.name, server.address).
	Providers map[string]config.Provider
	// QueueSize bounds each destination's span queue, and the calls waiting
	// for their spans to be built. Default 8192.
	QueueSize int
	// BatchSize and BatchInterval tune export batches. Defaults 512, 1s.
	BatchSize     int
	BatchInterval time.Duration
	// LowPriority builds the deferred spans and encodes Langfuse batches on
	// the process's idle-priority thread (bgprio.Do); each pipeline waits
	// for the network on its own goroutine.
	LowPriority bool
	// SpansInFinish builds the spans in Finish, on its caller's goroutine,
	// rather than on the export goroutine (deferred.go); the benchmark
	// compares the two.
	SpansInFinish bool
}

// Telemetry implements the gateway's Telemetry: Start opens the SERVER span,
// Finish emits the CLIENT spans and metrics of a completed call.
type Telemetry struct {
	prop       propagation.TextMapPropagator
	metrics    *Metrics
	log        *slog.Logger
	pipelines  []*pipeline
	env        string
	release    string
	maxContent int
	lfContent  bool // Langfuse wants prompts and completions
	semContent bool // the generic backend wants them (semconv form)
	providers  atomic.Pointer[map[string]providerInfo]
	// Fledgling's spans are built complete (emitEnded) and go straight to
	// these processors: the destinations' pipelines, and in tests a recorder.
	// No SDK tracer provider stands in between.
	processors   []sdktrace.SpanProcessor
	shutdownOnce sync.Once
	shutdownErr  error
	res          *resource.Resource
	scope        instrumentation.Scope
	unbuilt      bounded[unbuiltCall] // calls whose spans the export goroutine builds (deferred.go)
	inFinish     bool                 // Options.SpansInFinish
}

// New builds the export destinations: Langfuse when
// telemetry.langfuse.host is set, the generic OTLP exporter when
// telemetry.otlp.enabled. With neither, Start still gives each request its
// trace and span ids (so they reach logs, captures and upstreams), and
// Finish records metrics but builds no spans.
func New(ctx context.Context, cfg config.Telemetry, opt Options) (*Telemetry, error) {
	opt.setDefaults()
	t := &Telemetry{metrics: opt.Metrics, log: opt.Log, env: cfg.Langfuse.Environment, release: opt.Version, inFinish: opt.SpansInFinish,
		maxContent: cfg.MaxContentBytes, prop: propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})}
	t.SetProviders(opt.Providers)
	res := Resource(cfg, opt.Version)
	t.res, t.scope = res, instrumentation.Scope{Name: tracerName, Version: opt.Version}
	if cfg.Langfuse.Host != "" {
		t.langfusePipeline(cfg, opt)
	}
	if cfg.OTLP.Enabled {
		if err := t.otlpPipeline(ctx, cfg, opt); err != nil {
			return nil, err
		}
	}
	for _, p := range t.pipelines {
		t.processors = append(t.processors, p)
	}
	t.unbuilt.max = opt.QueueSize
	if len(t.pipelines) > 0 {
		t.metrics.RegisterQueue("span_building", t.unbuilt.Depth, t.unbuilt.Dropped)
	}
	return t, nil
}

func (o *Options) setDefaults() {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.QueueSize <= 0 {
		o.QueueSize = 8192
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 512
	}
	if o.BatchInterval <= 0 {
		o.BatchInterval = time.Second
	}
}

// Resource describes this process on spans and metrics.
func Resource(cfg config.Telemetry, version string) *resource.Resource {
	return resource.NewSchemaless(attribute.String("service.name", cfg.ServiceName),
		attribute.String("service.version", version),
		attribute.String("deployment.environment.name", cfg.Langfuse.Environment),
		attribute.String(keyLFEnvironment, cfg.Langfuse.Environment))
}

// LangfuseHeaders are the headers of every export to Langfuse.
func LangfuseHeaders(lf config.Langfuse, version string) map[string]string {
	auth := base64.StdEncoding.EncodeToString([]byte(lf.PublicKey + ":" + lf.SecretKey))
	return map[string]string{"Authorization": "Basic " + auth, "x-langfuse-ingestion-version": "4",
		"x-langfuse-sdk-name": "fledgling", "x-langfuse-sdk-version": version}
}

func (t *Telemetry) langfusePipeline(cfg config.Telemetry, opt Options) {
	exp := newOTLPHTTP(strings.TrimRight(cfg.Langfuse.Host, "/")+LangfuseTracesPath,
		LangfuseHeaders(cfg.Langfuse, opt.Version), 10*time.Second)
	drop := contentKeys
	if cfg.Langfuse.Content == nil || *cfg.Langfuse.Content {
		drop, t.lfContent = semconvContentKeys, true
	}
	t.addPipeline(exp, "langfuse", true, drop, opt)
}

func (t *Telemetry) otlpPipeline(ctx context.Context, cfg config.Telemetry, opt Options) error {
	exp, err := otlptracehttp.New(ctx) // OTEL_EXPORTER_OTLP_* variables
	if err != nil {
		return fmt.Errorf("otlp exporter: %w", err)
	}
	drop := contentKeys
	if cfg.OTLP.Content {
		drop, t.semContent = langfuseContentKeys, true
	}
	t.addPipeline(exp, "otlp", false, drop, opt)
	return nil
}

func (t *Telemetry) addPipeline(exp sdktrace.SpanExporter, name string, ownOnly bool, drop map[string]bool, opt Options) {
	var lastLog atomic.Int64
	counted := countingExporter{SpanExporter: exp, onError: func(err error) {
		t.metrics.exportFailed(name)
		if now := time.Now().Unix(); now-lastLog.Load() >= 60 { // at most one line a minute
			lastLog.Store(now)
			t.log.Warn("span export failed (counted in fledgling_telemetry_export_errors_total)", "destination", name, "err", err)
		}
	}}
	enc, _ := exp.(batchEncoder)
	p := newPipeline(counted, pipelineOptions{name: name, ownOnly: ownOnly, drop: drop,
		queueSize: opt.QueueSize, batchSize: opt.BatchSize, interval: opt.BatchInterval, low: opt.LowPriority,
		enc: enc, env: newEnvelope(t.res, t.scope), failed: counted.onError, before: t.buildDeferred})
	t.pipelines = append(t.pipelines, p)
	t.metrics.RegisterQueue("spans_"+name, p.Depth, p.Dropped)
}

// registerProcessor adds a span processor after New (tests observe spans
// this way).
func (t *Telemetry) registerProcessor(p sdktrace.SpanProcessor) {
	t.processors = append(t.processors, p)
}

// SetProviders replaces the provider descriptions (on config reload).
func (t *Telemetry) SetProviders(ps map[string]config.Provider) {
	infos := providerInfos(ps)
	t.providers.Store(&infos)
}

func (t *Telemetry) provider(name string) providerInfo {
	if info, ok := (*t.providers.Load())[name]; ok {
		return info
	}
	return providerInfo{name: "openai"}
}

// Dropped is the total of spans dropped by all destinations' queues, plus
// the calls whose spans were dropped before they were built.
func (t *Telemetry) Dropped() uint64 {
	n := t.unbuilt.Dropped()
	for _, p := range t.pipelines {
		n += p.Dropped()
	}
	return n
}

// ForceFlush exports everything ended so far.
func (t *Telemetry) ForceFlush(ctx context.Context) error {
	errs := make([]error, 0, len(t.processors))
	for _, p := range t.processors {
		errs = append(errs, p.ForceFlush(ctx))
	}
	return errors.Join(errs...)
}

// Shutdown flushes and stops every destination; later calls return the
// first call's result.
func (t *Telemetry) Shutdown(ctx context.Context) error {
	t.shutdownOnce.Do(func() {
		errs := []error{t.ForceFlush(ctx)}
		for _, p := range t.processors {
			errs = append(errs, p.Shutdown(ctx))
		}
		t.shutdownErr = errors.Join(errs...)
	})
	return t.shutdownErr
}
