package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"

	"go.opentelemetry.io/otel"

	"github.com/fledgling-ai/fledgling/internal/config"
	"github.com/fledgling-ai/fledgling/internal/redact"
	"github.com/fledgling-ai/fledgling/internal/telemetry"
)

// buildTelemetry builds the metrics (registered on s.registry, served at
// /metrics, and pushed over OTLP when telemetry.otlp.metrics), the tracer
// with its Langfuse and generic OTLP destinations (s.telemetry), and the
// redactor every record passes through before telemetry and capture see it
// (s.redactor), which knows every provider key and virtual key and also
// scrubs them from s.log.
func (s *services) buildTelemetry(ctx context.Context) error {
	red := redact.New(s.cfg.Redaction)
	registerSecrets(red, s.cfg)
	s.redactor = red
	// Every component built after this logs through the scrubber, so an
	// upstream error quoting its key never reaches the log.
	s.log = slog.New(redact.NewLogHandler(s.log.Handler(), red))
	log := s.log
	// The SDK reports export errors to a process-wide handler; route it to
	// the (scrubbed) log at debug level: failures are counted and warned
	// about, rate-limited, by the telemetry package itself.
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) { log.Debug("opentelemetry", "err", err) }))
	tc := s.cfg.Telemetry
	mo := telemetry.MetricsOptions{OTLP: tc.OTLP.Enabled && tc.OTLP.Metrics, Resource: telemetry.Resource(tc, Version)}
	if !tc.DisableMetrics {
		mo.Registerer = s.registry
	}
	m, err := telemetry.NewMetrics(ctx, mo)
	if err != nil {
		return fmt.Errorf("telemetry: %w", err)
	}
	s.metrics = m
	s.onClose(m.Shutdown)
	tel, err := telemetry.New(ctx, tc, telemetry.Options{Version: Version, Log: s.log, Metrics: m, Providers: s.cfg.Providers,
		LowPriority: s.cfg.Server.LowBackgroundPriority()})
	if err != nil {
		return fmt.Errorf("telemetry: %w", err)
	}
	s.telemetry = tel
	s.onClose(tel.Shutdown)
	s.onReload(func(cfg *config.Config) error {
		tel.SetProviders(cfg.Providers)
		red.SetRules(cfg.Redaction)
		registerSecrets(red, cfg) // new keys and patterns apply at once
		return nil
	})
	s.log.Info("telemetry ready", "langfuse", tc.Langfuse.Host != "", "otlp", tc.OTLP.Enabled,
		"langfuse_content", tc.Langfuse.Content == nil || *tc.Langfuse.Content, "otlp_content", tc.OTLP.Content)
	return nil
}

// registerSecrets tells the redactor every credential the config holds:
// provider keys and headers, virtual and admin keys (in clear, from the
// environment, or by hash), the Langfuse keys, the Redis password and the
// database password.
func registerSecrets(red *redact.Redactor, cfg *config.Config) {
	for _, p := range cfg.Providers {
		red.AddSecret(p.APIKey)
		for _, v := range p.Headers {
			red.AddSecret(v)
		}
	}
	for _, k := range append(append([]config.VirtualKey(nil), cfg.Auth.Keys...), cfg.Auth.AdminKeys...) {
		red.AddSecret(k.Key)
		if k.Env != "" {
			red.AddSecret(os.Getenv(k.Env))
		}
		red.AddSecretHash(k.SHA256)
	}
	red.AddSecret(cfg.Telemetry.Langfuse.SecretKey)
	red.AddSecret(cfg.Redis.Password)
	if u, err := url.Parse(cfg.Storage.DSN); err == nil && u.User != nil {
		if pw, ok := u.User.Password(); ok {
			red.AddSecret(pw)
		}
	}
}
