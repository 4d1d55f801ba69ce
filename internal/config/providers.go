package config

import (
	"net/http"
	"net/url"
	"time"
)

// Provider is one upstream API endpoint.
type Provider struct {
	// Type is "openai" (OpenAI and any OpenAI-compatible server: vLLM,
	// llama.cpp server, Ollama, TGI, SGLang) or "azure". Default "openai".
	Type string `yaml:"type"`
	// BaseURL is the API root, e.g. "https://api.openai.com/v1" or
	// "http://127.0.0.1:8000/v1"; for azure, the resource endpoint
	// "https://NAME.openai.azure.com".
	BaseURL string `yaml:"base_url"`
	// APIKey is sent as "Authorization: Bearer" (openai) or "api-key" (azure).
	APIKey string `yaml:"api_key"`
	// APIVersion is azure's api-version query parameter. Default "2024-10-21".
	APIVersion string `yaml:"api_version"`
	// Deployments maps upstream model names to azure deployment names
	// (default: the model name itself).
	Deployments map[string]string `yaml:"deployments"`
	// Headers are added to every upstream request.
	Headers map[string]string `yaml:"headers"`
	// Timeouts bound each attempt.
	Timeouts Timeouts `yaml:"timeouts"`
	// MaxIdleConns per host kept open. Default 256.
	MaxIdleConns int `yaml:"max_idle_conns"`
	// LoRA, when set, lets the trainer register new adapters at runtime
	// (vLLM's POST /v1/load_lora_adapter).
	LoRA *LoRA `yaml:"lora"`
}

// LoRA describes runtime adapter loading on a vLLM provider.
type LoRA struct {
	// RuntimeLoad enables POST {base_url}/load_lora_adapter.
	RuntimeLoad bool `yaml:"runtime_load"`
	// NameTemplate builds the served model name from {route} and {version}.
	// Default "{route}-{version}".
	NameTemplate string `yaml:"name_template"`
}

// Timeouts of one upstream attempt. Every one has a default, so a caller
// never hangs on a silent upstream.
type Timeouts struct {
	// Connect bounds dialing (TCP+TLS). Default 5s.
	Connect time.Duration `yaml:"connect"`
	// ResponseHeader bounds the wait for response headers. Default 60s.
	ResponseHeader time.Duration `yaml:"response_header"`
	// FirstToken bounds the wait for the first SSE event of a stream. Default 60s.
	FirstToken time.Duration `yaml:"first_token"`
	// Idle bounds the gap between two SSE events. Default 60s.
	Idle time.Duration `yaml:"idle"`
	// Total bounds the whole attempt. Default 10m.
	Total time.Duration `yaml:"total"`
}

func (p *Provider) setDefaults() {
	if p.Type == "" {
		p.Type = "openai"
	}
	if p.Type == "azure" && p.APIVersion == "" {
		p.APIVersion = "2024-10-21"
	}
	if p.MaxIdleConns == 0 {
		p.MaxIdleConns = 256
	}
	t := &p.Timeouts
	setDur(&t.Connect, 5*time.Second)
	setDur(&t.ResponseHeader, 60*time.Second)
	setDur(&t.FirstToken, 60*time.Second)
	setDur(&t.Idle, 60*time.Second)
	setDur(&t.Total, 10*time.Minute)
	if p.LoRA != nil && p.LoRA.NameTemplate == "" {
		p.LoRA.NameTemplate = "{route}-{version}"
	}
}

func setDur(d *time.Duration, def time.Duration) {
	if *d == 0 {
		*d = def
	}
}

func validateProviders(ps *problems, providers map[string]Provider) {
	if len(providers) == 0 {
		ps.add("providers", "at least one provider is required")
	}
	for _, name := range sortedKeys(providers) {
		p, path := providers[name], "providers."+name
		if p.Type != "openai" && p.Type != "azure" {
			ps.add(path+".type", "must be \"openai\" or \"azure\", got %q", p.Type)
		}
		if u, err := url.Parse(p.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			ps.add(path+".base_url", "must be an http(s) URL, got %q", p.BaseURL)
		}
		for _, d := range []struct {
			name string
			v    time.Duration
		}{{"connect", p.Timeouts.Connect}, {"response_header", p.Timeouts.ResponseHeader}, {"first_token", p.Timeouts.FirstToken}, {"idle", p.Timeouts.Idle}, {"total", p.Timeouts.Total}} {
			if d.v < 0 {
				ps.add(path+".timeouts."+d.name, "must not be negative")
			}
		}
		if t := p.Timeouts; t.Total > 0 && (t.ResponseHeader > t.Total || t.FirstToken > t.Total) {
			ps.add(path+".timeouts.total", "must be at least response_header and first_token (%s)", t.Total)
		}
		for k := range p.Headers {
			if h := http.CanonicalHeaderKey(k); h == "Authorization" || h == "Api-Key" {
				ps.add(path+".headers."+k, "set the credential with api_key, not a header")
			}
		}
		if p.MaxIdleConns < 0 {
			ps.add(path+".max_idle_conns", "must not be negative")
		}
	}
}
