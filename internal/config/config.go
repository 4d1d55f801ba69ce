// Package config turns the one YAML file an operator writes into the validated
// settings every other package reads. It exists so that parsing, defaults and
// validation live in one place and a reload is all-or-nothing: raw YAML is
// expanded (${ENV}, ${ENV:-default}), decoded strictly, given defaults,
// validated (every problem reported with its YAML path), and only then handed
// to the packages that compile it into their runtime forms.
//
// Each section of the file has its own file here (server.go, providers.go,
// routes.go, ...). Config imports nothing else from Fledgling so that any
// package may read it.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Config is the whole file. The zero value of every field means "use the
// default", documented on the field.
type Config struct {
	// Server is the HTTP listener.
	Server Server `yaml:"server"`
	// Auth decides who may call the gateway (virtual keys, admin keys).
	Auth Auth `yaml:"auth"`
	// Providers are the upstream API endpoints, by name.
	Providers map[string]Provider `yaml:"providers"`
	// Models map public model names to (provider, upstream model); "*" forwards any name.
	Models map[string]Model `yaml:"models"`
	// Routes decide where requests go, first match wins; candidates and promotion live here.
	Routes []Route `yaml:"routes"`
	// Retry governs retries of one target before falling back.
	Retry Retry `yaml:"retry"`
	// Breaker is the per-target circuit breaker.
	Breaker Breaker `yaml:"breaker"`
	// Storage is the SQL database (SQLite embedded, or PostgreSQL) and the capture writer.
	Storage Storage `yaml:"storage"`
	// Redis, when set, shares routing state between replicas and carries trainer jobs.
	Redis Redis `yaml:"redis"`
	// Telemetry configures traces (Langfuse, OTLP) and metrics.
	Telemetry Telemetry `yaml:"telemetry"`
	// Redaction is applied to content before anything is stored or exported.
	Redaction Redaction `yaml:"redaction"`
	// Costs configures the price catalogue and the cost header.
	Costs Costs `yaml:"costs"`
	// Shadow configures mirroring to candidates and the judge.
	Shadow Shadow `yaml:"shadow"`
	// Trainer configures datasets, training jobs and backends.
	Trainer Trainer `yaml:"trainer"`
	// Learned configures per-request learned routing (ONNX Runtime).
	Learned Learned `yaml:"learned_routing"`
	// PromotionController tunes the gate controller loop.
	PromotionController PromotionController `yaml:"promotion_controller"`

	// Path is the file this config was read from (not in YAML).
	Path string `yaml:"-"`
}

// Problem is one thing wrong with a config, located by its YAML path
// (e.g. "routes[2].fallbacks[0]").
type Problem struct {
	Path    string
	Message string
}

func (p Problem) String() string { return p.Path + ": " + p.Message }

// Problems is every problem found in one config; it is an error.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return "invalid config:\n  " + strings.Join(lines, "\n  ")
}

// problems collects Problems while walking a config.
type problems struct{ list Problems }

func (c *problems) add(path, format string, args ...any) {
	c.list = append(c.list, Problem{Path: path, Message: fmt.Sprintf(format, args...)})
}

// Load reads, expands, decodes, defaults and validates the file at path.
// A config with problems is returned together with a Problems error.
func Load(path string) (*Config, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	cfg, err := Parse(raw)
	if cfg != nil {
		cfg.Path = path
	}
	return cfg, err
}

// Parse is Load for bytes already in memory.
func Parse(raw []byte) (*Config, error) {
	expanded, err := ExpandEnv(raw, os.LookupEnv)
	if err != nil {
		return nil, err
	}
	cfg := &Config{}
	dec := yaml.NewDecoder(bytes.NewReader(expanded))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil && !errors.Is(err, errEOF) {
		return nil, fmt.Errorf("decode config: %w", err)
	}
	cfg.SetDefaults()
	if ps := cfg.Validate(); len(ps) > 0 {
		return cfg, ps
	}
	return cfg, nil
}

// SetDefaults fills every unset field with its documented default.
func (c *Config) SetDefaults() {
	c.Server.setDefaults()
	c.Auth.setDefaults()
	for name, p := range c.Providers {
		p.setDefaults()
		c.Providers[name] = p
	}
	for i := range c.Routes {
		c.Routes[i].setDefaults()
	}
	c.Retry.setDefaults()
	c.Breaker.setDefaults()
	c.Storage.setDefaults()
	c.Redis.setDefaults()
	c.Telemetry.setDefaults()
	c.Costs.setDefaults()
	c.Shadow.setDefaults()
	c.Trainer.setDefaults()
	c.Learned.setDefaults()
	c.PromotionController.setDefaults()
}

// Validate reports every problem, sorted by path. It never stops at the first.
func (c *Config) Validate() Problems {
	var ps problems
	c.Server.validate(&ps)
	c.Auth.validate(&ps, c.Server.Listen)
	c.Auth.validateLimits(&ps, c.Routes, c.Models)
	validateProviders(&ps, c.Providers)
	validateModels(&ps, c.Models, c.Providers)
	validateRoutes(&ps, c.Routes, c.Models)
	c.Retry.validate(&ps)
	c.Breaker.validate(&ps)
	c.Storage.validate(&ps)
	c.Redis.validate(&ps)
	c.Telemetry.validate(&ps)
	c.Redaction.validate(&ps)
	c.Costs.validate(&ps, c.Models)
	c.Shadow.validate(&ps)
	c.Trainer.validate(&ps, c)
	c.Learned.validate(&ps, c)
	c.PromotionController.validate(&ps)
	sort.SliceStable(ps.list, func(i, j int) bool { return ps.list[i].Path < ps.list[j].Path })
	return ps.list
}

// sortedKeys returns a map's keys in order, for deterministic validation output.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
