package deploy

import (
	"bytes"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/fledgling-ai/fledgling/internal/config"
)

// composeFile is the subset of the Compose specification deploy/compose.yaml
// uses; decoding is strict, so a misspelt key fails the test.
type composeFile struct {
	Name     string                    `yaml:"name"`
	XGateway composeService            `yaml:"x-gateway"`
	Services map[string]composeService `yaml:"services"`
	Volumes  map[string]any            `yaml:"volumes"`
}

type composeService struct {
	Image       string            `yaml:"image"`
	Build       *composeBuild     `yaml:"build"`
	Entrypoint  []string          `yaml:"entrypoint"`
	Command     []string          `yaml:"command"`
	Environment map[string]string `yaml:"environment"`
	Volumes     []string          `yaml:"volumes"`
	Ports       []string          `yaml:"ports"`
	DependsOn   map[string]struct {
		Condition string `yaml:"condition"`
	} `yaml:"depends_on"`
	Healthcheck *struct {
		Test     []string `yaml:"test"`
		Interval string   `yaml:"interval"`
		Timeout  string   `yaml:"timeout"`
		Retries  int      `yaml:"retries"`
	} `yaml:"healthcheck"`
	Restart  string   `yaml:"restart"`
	ReadOnly bool     `yaml:"read_only"`
	Tmpfs    []string `yaml:"tmpfs"`
	Profiles []string `yaml:"profiles"`
}

type composeBuild struct {
	Context    string `yaml:"context"`
	Dockerfile string `yaml:"dockerfile"`
}

func loadCompose(t *testing.T) composeFile {
	t.Helper()
	raw, err := os.ReadFile("compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var c composeFile
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	return c
}

const gatewayConfigMount = "./fledgling.compose.yaml:/etc/fledgling/fledgling.yaml:ro"

func TestComposeTopology(t *testing.T) {
	c := loadCompose(t)
	for _, name := range []string{"lb", "gateway-1", "gateway-2", "trainer-worker", "postgres", "redis", "otel-collector"} {
		if _, ok := c.Services[name]; !ok {
			t.Errorf("service %s missing (have %v)", name, keys(c.Services))
		}
	}
	var replicas []string
	for name, s := range c.Services {
		if slices.Equal(s.Command, []string{"serve", "--config", "/etc/fledgling/fledgling.yaml"}) {
			replicas = append(replicas, name)
			if !slices.Contains(s.Volumes, gatewayConfigMount) {
				t.Errorf("%s does not mount the gateway config: %v", name, s.Volumes)
			}
			if s.DependsOn["postgres"].Condition != "service_healthy" || s.DependsOn["redis"].Condition != "service_healthy" {
				t.Errorf("%s must wait for healthy postgres and redis: %+v", name, s.DependsOn)
			}
		}
	}
	slices.Sort(replicas)
	if !slices.Equal(replicas, []string{"gateway-1", "gateway-2"}) {
		t.Fatalf("want exactly two gateway replicas, got %v", replicas)
	}
	g1, g2 := c.Services["gateway-1"], c.Services["gateway-2"]
	if g1.Image == "" || g1.Image != g2.Image || g1.Build == nil || g1.Build.Dockerfile != "deploy/Dockerfile" {
		t.Errorf("replicas must run the same image built from deploy/Dockerfile: %+v %+v", g1, g2)
	}
	if state := func(s composeService) string { return s.Volumes[len(s.Volumes)-1] }; state(g1) == state(g2) {
		t.Errorf("replicas must not share a state volume (spill journal): %s", state(g1))
	}
	w := c.Services["trainer-worker"]
	if len(w.Command) < 2 || w.Command[0] != "trainer" || w.Command[1] != "worker" || !slices.Contains(w.Volumes, gatewayConfigMount) {
		t.Errorf("trainer-worker: %v %v", w.Command, w.Volumes)
	}
}

// The load balancer is the one published port and balances over both replicas.
func TestComposeLoadBalancer(t *testing.T) {
	c := loadCompose(t)
	lb := c.Services["lb"]
	if len(lb.Ports) != 1 || !strings.HasSuffix(lb.Ports[0], ":8080\"") && !strings.HasSuffix(lb.Ports[0], ":8080") {
		t.Errorf("lb must publish one port to 8080: %v", lb.Ports)
	}
	for name, s := range c.Services {
		if strings.HasPrefix(name, "gateway-") && len(s.Ports) > 0 {
			t.Errorf("%s publishes ports; only the load balancer should", name)
		}
	}
	mount := ""
	for _, v := range lb.Volumes {
		if strings.Contains(v, "haproxy.cfg") {
			mount = strings.Split(v, ":")[0]
		}
	}
	cfg, err := os.ReadFile(mount)
	if err != nil {
		t.Fatalf("lb config %q: %v", mount, err)
	}
	for _, want := range []string{"bind :8080", "option httpchk GET /readyz", "server gateway-1 gateway-1:8080 check", "server gateway-2 gateway-2:8080 check"} {
		if !strings.Contains(string(cfg), want) {
			t.Errorf("haproxy.cfg lacks %q", want)
		}
	}
}

// The config the replicas mount passes Fledgling's validation with the
// environment compose gives them, and points at the shared services.
func TestComposeGatewayConfigValidates(t *testing.T) {
	c := loadCompose(t)
	g := c.Services["gateway-1"]
	vals := map[string]string{"FLEDGLING_APP_KEY": "test-app", "FLEDGLING_ADMIN_KEY": "test-admin"}
	for k, v := range g.Environment {
		t.Setenv(k, composeInterpolate(v, vals))
	}
	raw, err := os.ReadFile("fledgling.compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse(raw)
	if err != nil {
		t.Fatalf("fledgling.compose.yaml: %v", err)
	}
	if cfg.Storage.DSN != "postgres://fledgling:fledgling@postgres:5432/fledgling?sslmode=disable" {
		t.Errorf("storage.dsn %q must be the compose PostgreSQL", cfg.Storage.DSN)
	}
	if cfg.Redis.Addr != "redis:6379" || !strings.HasSuffix(cfg.Server.Listen, ":8080") {
		t.Errorf("redis %q listen %q", cfg.Redis.Addr, cfg.Server.Listen)
	}
	if cfg.Telemetry.Langfuse.Host != "" {
		t.Errorf("Langfuse must be off unless LANGFUSE_HOST is set, got %q", cfg.Telemetry.Langfuse.Host)
	}
	if !strings.Contains(g.Environment["OTEL_EXPORTER_OTLP_ENDPOINT"], "otel-collector:4318") || !cfg.Telemetry.OTLP.Enabled {
		t.Errorf("gateways must export OTLP to the collector: %q", g.Environment["OTEL_EXPORTER_OTLP_ENDPOINT"])
	}
	for _, k := range []string{"LANGFUSE_HOST", "LANGFUSE_PUBLIC_KEY", "LANGFUSE_SECRET_KEY"} {
		if v, ok := g.Environment[k]; !ok || !strings.HasPrefix(v, "${"+k) {
			t.Errorf("%s must come from the environment, got %q", k, v)
		}
	}
	// With Langfuse configured, the same file still validates.
	t.Setenv("LANGFUSE_HOST", "https://cloud.langfuse.com")
	t.Setenv("LANGFUSE_PUBLIC_KEY", "pk-lf-test")
	t.Setenv("LANGFUSE_SECRET_KEY", "sk-lf-test")
	if cfg, err := config.Parse(raw); err != nil || cfg.Telemetry.Langfuse.Host == "" {
		t.Errorf("with Langfuse: %v", err)
	}
}

func TestOtelCollectorConfig(t *testing.T) {
	c := loadCompose(t)
	oc := c.Services["otel-collector"]
	if !slices.Contains(oc.Volumes, "./otel-collector.yaml:/etc/otelcol-contrib/config.yaml:ro") {
		t.Fatalf("collector config not mounted: %v", oc.Volumes)
	}
	raw, err := os.ReadFile("otel-collector.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Receivers  map[string]any `yaml:"receivers"`
		Processors map[string]any `yaml:"processors"`
		Exporters  map[string]any `yaml:"exporters"`
		Extensions map[string]any `yaml:"extensions"`
		Service    struct {
			Extensions []string `yaml:"extensions"`
			Pipelines  map[string]struct {
				Receivers  []string `yaml:"receivers"`
				Processors []string `yaml:"processors"`
				Exporters  []string `yaml:"exporters"`
			} `yaml:"pipelines"`
		} `yaml:"service"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil {
		t.Fatal(err)
	}
	if _, ok := cfg.Receivers["otlp"]; !ok || !strings.Contains(string(raw), "0.0.0.0:4318") {
		t.Error("the collector must receive OTLP/HTTP on 4318")
	}
	for _, p := range []string{"traces", "metrics"} {
		pl, ok := cfg.Service.Pipelines[p]
		if !ok {
			t.Errorf("no %s pipeline", p)
			continue
		}
		for _, r := range pl.Receivers {
			if _, ok := cfg.Receivers[r]; !ok {
				t.Errorf("%s pipeline uses undefined receiver %s", p, r)
			}
		}
		for _, x := range pl.Processors {
			if _, ok := cfg.Processors[x]; !ok {
				t.Errorf("%s pipeline uses undefined processor %s", p, x)
			}
		}
		for _, e := range pl.Exporters {
			if _, ok := cfg.Exporters[e]; !ok {
				t.Errorf("%s pipeline uses undefined exporter %s", p, e)
			}
		}
	}
}

// TestDockerfile checks the image recipe statically (no Docker engine runs
// in CI): multi-stage, static CGO-off build, distroless/scratch final stage,
// non-root user, port 8080.
func TestDockerfile(t *testing.T) {
	raw, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	s := string(raw)
	froms := regexp.MustCompile(`(?m)^FROM\s+(\S+)`).FindAllStringSubmatch(s, -1)
	if len(froms) < 2 || !strings.HasPrefix(froms[0][1], "golang:") {
		t.Fatalf("want a golang builder stage and a final stage, got %v", froms)
	}
	final := froms[len(froms)-1][1]
	if !strings.Contains(final, "distroless/static") && final != "scratch" {
		t.Errorf("final stage %s: want distroless/static or scratch", final)
	}
	for _, want := range []string{"CGO_ENABLED=0", "./cmd/fledgling", "EXPOSE 8080", `ENTRYPOINT ["/usr/local/bin/fledgling"]`} {
		if !strings.Contains(s, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
	user := regexp.MustCompile(`(?m)^USER\s+(\S+)`).FindAllStringSubmatch(s, -1)
	if len(user) == 0 || strings.HasPrefix(user[len(user)-1][1], "0") || strings.HasPrefix(user[len(user)-1][1], "root") {
		t.Errorf("the final image must run as a non-root USER, got %v", user)
	}
	for _, dir := range []string{"../cmd/fledgling", "../cmd/fledgling-sim"} {
		if _, err := os.Stat(dir); err != nil {
			t.Errorf("Dockerfile builds %s: %v", dir, err)
		}
	}
}

var composeVar = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(?::([-?])([^}]*))?\}`)

// composeInterpolate expands ${VAR}, ${VAR:-default} and ${VAR:?error} as
// Compose does, from vals only (the test's environment).
func composeInterpolate(s string, vals map[string]string) string {
	return composeVar.ReplaceAllStringFunc(s, func(m string) string {
		sub := composeVar.FindStringSubmatch(m)
		if v, ok := vals[sub[1]]; ok && v != "" {
			return v
		}
		if sub[2] == "-" {
			return sub[3]
		}
		return ""
	})
}
