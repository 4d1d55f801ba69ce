package config

import (
	"regexp"
	"strings"
)

// Telemetry configures traces and metrics export.
type Telemetry struct {
	// ServiceName on every span. Default "fledgling".
	ServiceName string `yaml:"service_name"`
	// Langfuse exports generations to Langfuse's OTLP endpoint.
	Langfuse Langfuse `yaml:"langfuse"`
	// OTLP is a generic exporter configured by the standard OTEL_EXPORTER_OTLP_* variables.
	OTLP OTLP `yaml:"otlp"`
	// MaxContentBytes truncates prompt/completion content on spans (staying valid JSON). Default 16384.
	MaxContentBytes int `yaml:"max_content_bytes"`
	// Metrics at /metrics (Prometheus). Default on.
	DisableMetrics bool `yaml:"disable_metrics"`
}

// Langfuse export, enabled when Host is set.
type Langfuse struct {
	Host      string `yaml:"host"`
	PublicKey string `yaml:"public_key"`
	SecretKey string `yaml:"secret_key"`
	// Content records prompts and completions. Default true (nil means default).
	Content *bool `yaml:"content"`
	// Environment is langfuse.environment. Default "default".
	Environment string `yaml:"environment"`
}

// OTLP is the generic exporter.
type OTLP struct {
	// Enabled turns it on; endpoints and headers come from OTEL_EXPORTER_OTLP_*.
	Enabled bool `yaml:"enabled"`
	// Content records prompts and completions. Default false.
	Content bool `yaml:"content"`
	// Metrics also exports metrics over OTLP.
	Metrics bool `yaml:"metrics"`
}

func (t *Telemetry) setDefaults() {
	if t.ServiceName == "" {
		t.ServiceName = "fledgling"
	}
	if t.MaxContentBytes == 0 {
		t.MaxContentBytes = 16384
	}
	if t.Langfuse.Content == nil {
		on := true
		t.Langfuse.Content = &on
	}
	if t.Langfuse.Environment == "" {
		t.Langfuse.Environment = "default"
	}
}

func (t *Telemetry) validate(ps *problems) {
	lf := t.Langfuse
	if lf.Host != "" && (lf.PublicKey == "" || lf.SecretKey == "") {
		ps.add("telemetry.langfuse", "host is set but public_key or secret_key is empty")
	}
	if lf.Host != "" && !strings.HasPrefix(lf.Host, "http://") && !strings.HasPrefix(lf.Host, "https://") {
		ps.add("telemetry.langfuse.host", "must be an http(s) URL")
	}
	if t.MaxContentBytes < 256 {
		ps.add("telemetry.max_content_bytes", "must be at least 256")
	}
}

// Redaction is applied to content before anything is stored or exported.
// Authorization headers and provider keys are never stored, whatever this says.
type Redaction struct {
	// Builtins: "email", "card", "phone", "ipv4". Default none.
	Builtins []string `yaml:"builtins"`
	// Patterns are custom regular expressions (RE2 syntax).
	Patterns []string `yaml:"patterns"`
	// Replacement text. Default "[REDACTED]".
	Replacement string `yaml:"replacement"`
}

func (r *Redaction) validate(ps *problems) {
	for i, b := range r.Builtins {
		switch b {
		case "email", "card", "phone", "ipv4":
		default:
			ps.add("redaction.builtins", "entry %d: unknown builtin %q", i, b)
		}
	}
	for i, p := range r.Patterns {
		if _, err := regexp.Compile(p); err != nil {
			ps.add("redaction.patterns", "entry %d: %v", i, err)
		}
	}
}
