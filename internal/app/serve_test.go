package app

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fledgling-ai/fledgling/internal/config"
	"github.com/fledgling-ai/fledgling/internal/provider/fakeupstream"
)

const e2eConfig = `
server: {listen: "127.0.0.1:0", shutdown_timeout: 5s}
auth: {mode: none}
providers:
  up: {type: openai, base_url: "UPSTREAM"}
models:
  MODEL: {provider: up}
storage: {dsn: "sqlite://DIR/fledgling.db", spill_dir: "DIR/spill"}
trainer: {work_dir: "DIR/trainer"}
`

func writeConfig(t *testing.T, path, upstream, model string) {
	t.Helper()
	dir := filepath.Dir(path)
	y := strings.NewReplacer("UPSTREAM", upstream, "MODEL", model, "DIR", dir).Replace(e2eConfig)
	if err := os.WriteFile(path+".tmp", []byte(y), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path+".tmp", path); err != nil {
		t.Fatal(err)
	}
}

func chatStatus(t *testing.T, base, model string) int {
	t.Helper()
	res, err := http.Post(base+"/v1/chat/completions", "application/json",
		strings.NewReader(`{"model":"`+model+`","messages":[{"role":"user","content":"hi"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

// TestServeReloadsAndDrains runs the whole gateway in-process: it serves,
// reloads on a file change (keeping the old config when the new one is
// bad), and on shutdown lets an in-flight stream finish.
func TestServeReloadsAndDrains(t *testing.T) {
	fake := fakeupstream.New()
	up := httptest.NewServer(fake)
	defer up.Close()
	path := filepath.Join(t.TempDir(), "fledgling.yaml")
	writeConfig(t, path, up.URL+"/v1", "model-a")
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h, err := Start(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if s := chatStatus(t, h.URL(), "model-a"); s != 200 {
		t.Fatalf("model-a: %d", s)
	}
	for _, p := range []string{"/healthz", "/readyz", "/metrics"} {
		if res, err := http.Get(h.URL() + p); err != nil || res.StatusCode != 200 {
			t.Fatalf("%s: %v %v", p, err, res)
		}
	}

	os.WriteFile(path, []byte("providers: {up: {type: nope}}\n"), 0o644)
	h.Reload()
	time.Sleep(300 * time.Millisecond)
	if s := chatStatus(t, h.URL(), "model-a"); s != 200 {
		t.Fatalf("a bad reload replaced the running config: %d", s)
	}

	writeConfig(t, path, up.URL+"/v1", "model-b") // picked up by the file watch
	deadline := time.Now().Add(5 * time.Second)
	for chatStatus(t, h.URL(), "model-b") != 200 {
		if time.Now().After(deadline) {
			t.Fatal("file change did not reload the config")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if s := chatStatus(t, h.URL(), "model-a"); s != 404 {
		t.Fatalf("model-a after reload: %d", s)
	}

	fake.Fault = func(int, fakeupstream.Request) fakeupstream.Fault {
		return fakeupstream.Fault{EventDelay: 40 * time.Millisecond}
	}
	res, err := http.Post(h.URL()+"/v1/chat/completions", "application/json",
		strings.NewReader(`{"model":"model-b","stream":true,"messages":[{"role":"user","content":"hi"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	cancel() // SIGTERM: drain
	body, _ := io.ReadAll(res.Body)
	if !strings.HasSuffix(string(body), "data: [DONE]\n\n") {
		t.Fatalf("in-flight stream cut by shutdown: %q", body)
	}
	if err := h.Wait(); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if _, err := http.Get(h.URL() + "/healthz"); err == nil {
		t.Fatal("still accepting after shutdown")
	}
}

func TestServeCommandRejectsABadConfig(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(path, []byte("auth: {mode: none}\nproviders: {}\nmodels: {}\n"), 0o644)
	var stderr strings.Builder
	if code := Main(context.Background(), []string{"serve", "--config", path, "--listen", "0.0.0.0:0"}, io.Discard, &stderr); code != 1 {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(stderr.String(), "auth.mode") || !strings.Contains(stderr.String(), "providers") {
		t.Fatalf("problems not printed: %s", stderr.String())
	}
}
