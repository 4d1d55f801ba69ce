package app

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/fledgling-ai/fledgling/internal/config"
	"github.com/fledgling-ai/fledgling/internal/redact"
)

// A reload applies the new redaction rules at once, to the one redactor
// telemetry, capture, shadow and the trainer share.
func TestReloadAppliesNewRedactionRules(t *testing.T) {
	parse := func(redaction string) *config.Config {
		cfg, err := config.Parse([]byte("auth: {mode: none}\nproviders: {up: {base_url: \"http://127.0.0.1:9/v1\"}}\n" +
			"models: {\"*\": {provider: up}}\nredaction: " + redaction + "\n"))
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	s := &services{cfg: parse(`{patterns: ["ACME-\\d+"]}`), log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		registry: prometheus.NewRegistry(), admin: http.NewServeMux(), public: http.NewServeMux()}
	if err := s.buildTelemetry(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer s.close(context.Background())
	red := s.redactor.(*redact.Redactor)
	text := "ticket ACME-123 from bob@example.com"
	if got := red.String(text); got != "ticket [REDACTED] from bob@example.com" {
		t.Fatalf("before reload: %q", got)
	}
	for _, f := range s.reloaders {
		if err := f(parse(`{builtins: [email], replacement: "<x>"}`)); err != nil {
			t.Fatal(err)
		}
	}
	if got := red.String(text); got != "ticket ACME-123 from <x>" || !strings.Contains(got, "ACME") {
		t.Fatalf("after reload: %q", got)
	}
}
