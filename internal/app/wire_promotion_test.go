package app

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/fledgling-ai/fledgling/internal/config"
	"github.com/fledgling-ai/fledgling/internal/store"
	"github.com/fledgling-ai/fledgling/router"
)

const promotionYAML = `
server: {listen: "127.0.0.1:0"}
auth: {mode: none}
providers:
  openai: {base_url: "http://127.0.0.1:9/v1", api_key: "sk-test"}
models:
  gpt-4o: {provider: openai}
  gpt-4o-mini: {provider: openai}
  small: {provider: openai}
routes:
  - name: support
    match: {models: [support]}
    primary: gpt-4o
    FALLBACKS
    candidates: [{model: small, promotion: {thresholds: {tool_call: 0.9}}}]
storage: {dsn: "sqlite://DIR/f.db", spill_dir: "DIR/spill"}
`

func promotionServices(t *testing.T, dir, fallbacks string) *services {
	ctx := context.Background()
	cfg, err := config.Parse([]byte(strings.NewReplacer("DIR", dir, "FALLBACKS", fallbacks).Replace(promotionYAML)))
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, cfg.Storage.DSN)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	tab, _ := router.Compile(cfg)
	s := &services{cfg: cfg, log: slog.New(slog.NewTextHandler(io.Discard, nil)), db: db, router: router.New(tab),
		admin: http.NewServeMux(), public: http.NewServeMux()}
	if err := s.buildPromotion(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestPromotionCLIReloadAndRestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := promotionServices(t, dir, "")
	srv := httptest.NewServer(s.admin)
	defer srv.Close()
	run := func(args ...string) string {
		var out, errb bytes.Buffer
		if code := Main(ctx, append(args, "--addr", srv.URL), &out, &errb); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errb.String())
		}
		return out.String()
	}
	if out := run("routes", "pin", "support", "--share", "1", "--operator", "alice", "--reason", "load test"); !strings.Contains(out, "shadow → pinned (operator:alice: load test)") {
		t.Fatalf("pin output %q", out)
	}
	decide := func() router.Decision {
		d, err := s.router.Decide(&router.Request{Model: "support", User: "u"})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	if d := decide(); d.Stage != "pinned" || !d.Targets[0].Candidate || d.Targets[0].Model != "small" {
		t.Fatalf("after pin: %+v", d)
	}
	// A config reload swaps in a stateless table; the promotion reloader re-applies the state.
	cfg2 := promotionServices(t, t.TempDir(), "fallbacks: [gpt-4o-mini]").cfg
	tab, _ := router.Compile(cfg2)
	s.router.Swap(tab)
	for _, f := range s.reloaders {
		if err := f(cfg2); err != nil {
			t.Fatal(err)
		}
	}
	if d := decide(); d.Stage != "pinned" || len(d.Targets) != 3 || d.Targets[2].Model != "gpt-4o-mini" {
		t.Fatalf("after reload: %+v", d)
	}
	run("routes", "resume", "support", "--operator", "bob")
	run("routes", "rollback", "support", "--operator", "carol")
	hist := run("routes", "history", "support")
	if lines := strings.Split(strings.TrimSpace(hist), "\n"); len(lines) != 3 || !strings.Contains(lines[0], "shadow → rolled_back") || !strings.Contains(lines[0], "operator:carol") {
		t.Fatalf("history:\n%s", hist)
	}
	// A restarted process serves the stored state.
	s2 := promotionServices(t, dir, "")
	if d, _ := s2.router.Decide(&router.Request{Model: "support"}); d.Stage != "rolled_back" || len(d.Shadows) != 0 {
		t.Fatalf("after restart: %+v", d)
	}
	var errb bytes.Buffer
	if code := Main(ctx, []string{"routes", "pause", "support", "--operator", "", "--addr", srv.URL}, io.Discard, &errb); code != 1 || !strings.Contains(errb.String(), "operator is required") {
		t.Fatalf("pause without operator: %d %s", code, errb.String())
	}
}
