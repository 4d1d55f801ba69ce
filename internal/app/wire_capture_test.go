package app

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fledgling-ai/fledgling/internal/config"
)

const (
	providerKey = "sk-proj-PROVIDERSECRET0123456789"
	virtualKey  = "fk-team-a-VIRTUALSECRET98765"
)

// otlpSink is a Langfuse stand-in keeping every decompressed export body.
type otlpSink struct {
	mu     sync.Mutex
	bodies [][]byte
}

func (o *otlpSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var rd io.Reader = r.Body
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		rd = zr
	}
	b, _ := io.ReadAll(rd)
	o.mu.Lock()
	o.bodies = append(o.bodies, b)
	o.mu.Unlock()
}

func (o *otlpSink) all() []byte {
	o.mu.Lock()
	defer o.mu.Unlock()
	return bytes.Join(o.bodies, nil)
}

// echoUpstream answers a chat completion that repeats the user's message,
// and an upstream error that quotes the key it was given (as OpenAI's 401
// "Incorrect API key provided: sk-…" does) for model "broken".
func echoUpstream(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Model    string                     `json:"model"`
			Messages []struct{ Content string } `json:"messages"`
		}
		json.NewDecoder(r.Body).Decode(&req)
		w.Header().Set("Content-Type", "application/json")
		if req.Model == "broken" {
			w.WriteHeader(401)
			w.Write([]byte(`{"error":{"message":"Incorrect API key provided: ` + strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ") + `","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}`))
			return
		}
		echo, _ := json.Marshal("you said: " + req.Messages[len(req.Messages)-1].Content)
		w.Write([]byte(`{"id":"chatcmpl-e","object":"chat.completion","created":1,"model":"` + req.Model + `","choices":[{"index":0,"message":{"role":"assistant","content":` +
			string(echo) + `},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":5,"total_tokens":17}}`))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func secretsConfig(t *testing.T, dir, upstream, langfuse string) *config.Config {
	yaml := `
server: {listen: "127.0.0.1:0", log_level: debug}
auth:
  keys: [{name: team-a, key: "` + virtualKey + `"}]
  admin_keys: [{name: ops, key: "fk-admin-ADMINSECRET4242"}]
providers:
  up: {base_url: "` + upstream + `/v1", api_key: "` + providerKey + `"}
models:
  gpt-4o-mini: {provider: up}
  broken: {provider: up}
routes:
  - name: support
    match: {models: [gpt-4o-mini]}
    primary: gpt-4o-mini
  - name: bad
    match: {models: [broken]}
    primary: broken
storage: {dsn: "sqlite://` + dir + `/f.db", spill_dir: "` + dir + `/spill", flush_interval: 50ms}
telemetry:
  langfuse: {host: "` + langfuse + `", public_key: pk-lf-1, secret_key: sk-lf-LANGFUSESECRET}
  otlp: {enabled: false}
`
	cfg, err := config.Parse([]byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func post(t *testing.T, url, key, body string) (int, string) {
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestSecretsNeverReachLogsSpansOrCaptures runs the whole gateway with a
// client that pastes both keys into its prompt and an upstream that echoes
// the prompt and quotes its key in an error, then greps the log, every
// exported span and every byte of the database and spill directory.
func TestSecretsNeverReachLogsSpansOrCaptures(t *testing.T) {
	dir := t.TempDir()
	sink := &otlpSink{}
	lf := httptest.NewServer(sink)
	defer lf.Close()
	cfg := secretsConfig(t, dir, echoUpstream(t).URL, lf.URL)
	var logs bytes.Buffer
	var logMu sync.Mutex
	log := slog.New(slog.NewJSONHandler(&lockedWriter{w: &logs, mu: &logMu}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx, cancel := context.WithCancel(context.Background())
	h, err := Start(ctx, cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	prompt := `{"model":"gpt-4o-mini","user":"u1","messages":[{"role":"user","content":"keys: ` + providerKey + ` and ` + virtualKey + `"}]}`
	if code, body := post(t, h.URL()+"/v1/chat/completions", virtualKey, prompt); code != 200 {
		t.Fatalf("chat: %d %s", code, body)
	}
	code, _ := post(t, h.URL()+"/v1/chat/completions", virtualKey, `{"model":"broken","messages":[{"role":"user","content":"hi"}]}`)
	if code < 400 {
		t.Fatalf("broken upstream answered %d", code)
	}
	cancel()
	if err := h.Wait(); err != nil {
		t.Fatal(err)
	}

	var stored bytes.Buffer
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			b, _ := os.ReadFile(p)
			stored.Write(b)
		}
		return nil
	})
	spans := sink.all()
	if len(spans) == 0 || !bytes.Contains(spans, []byte("you said: keys: [SECRET]")) {
		t.Fatalf("no (redacted) spans exported; got %d bytes", len(spans))
	}
	if !bytes.Contains(stored.Bytes(), []byte("you said: keys: [SECRET]")) {
		t.Fatal("the call was not captured (or not redacted as expected)")
	}
	logMu.Lock()
	logged := logs.Bytes()
	logMu.Unlock()
	for name, data := range map[string][]byte{"logs": logged, "spans": spans, "captures": stored.Bytes()} {
		for _, secret := range []string{providerKey, virtualKey, "sk-lf-LANGFUSESECRET", "fk-admin-ADMINSECRET4242"} {
			if bytes.Contains(data, []byte(secret)) {
				t.Errorf("%s contain %q: %s", name, secret, lineWith(data, secret))
			}
		}
	}
}

type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func TestCapturesAdminAPIAndCLI(t *testing.T) {
	dir := t.TempDir()
	lf := httptest.NewServer(&otlpSink{})
	defer lf.Close()
	cfg := secretsConfig(t, dir, echoUpstream(t).URL, lf.URL)
	ctx, cancel := context.WithCancel(context.Background())
	h, err := Start(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); h.Wait() }()
	for i := 0; i < 3; i++ {
		post(t, h.URL()+"/v1/chat/completions", virtualKey, `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hello"}]}`)
	}
	var list struct {
		Data []struct {
			ID, Route string
			Status    int
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(list.Data) < 3 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		req, _ := http.NewRequest("GET", h.URL()+"/admin/v1/captures?route=support&limit=10", nil)
		req.Header.Set("Authorization", "Bearer fk-admin-ADMINSECRET4242")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		json.NewDecoder(resp.Body).Decode(&list)
		resp.Body.Close()
	}
	if len(list.Data) != 3 || list.Data[0].Route != "support" || list.Data[0].Status != 200 {
		t.Fatalf("admin captures: %+v", list)
	}
	one, _ := http.NewRequest("GET", h.URL()+"/admin/v1/captures/"+list.Data[1].ID, nil)
	one.Header.Set("Authorization", "Bearer fk-admin-ADMINSECRET4242")
	if resp, err := http.DefaultClient.Do(one); err != nil || resp.StatusCode != 200 {
		t.Fatalf("get one capture: %v %v", resp, err)
	}
	anon, _ := http.NewRequest("GET", h.URL()+"/admin/v1/captures", nil)
	if resp, _ := http.DefaultClient.Do(anon); resp.StatusCode != 401 && resp.StatusCode != 403 {
		t.Fatalf("captures without the admin key: %d; want 401/403", resp.StatusCode)
	}
	req, _ := http.NewRequest("GET", h.URL()+"/admin/v1/captures?from=banana", nil)
	req.Header.Set("Authorization", "Bearer fk-admin-ADMINSECRET4242")
	if resp, _ := http.DefaultClient.Do(req); resp.StatusCode != 400 {
		t.Fatalf("bad filter: %d; want 400", resp.StatusCode)
	}
	metrics := get(t, h.URL()+"/metrics")
	for _, name := range []string{"gen_ai_client_token_usage_bucket", "gen_ai_client_operation_duration_seconds_bucket",
		"fledgling_gateway_requests_total", `fledgling_queue_depth{queue="capture"}`, "fledgling_capture_lag_seconds"} {
		if !strings.Contains(metrics, name) {
			t.Errorf("/metrics lacks %s", name)
		}
	}

	cfgPath := filepath.Join(dir, "f.yaml")
	os.WriteFile(cfgPath, []byte("storage: {dsn: \"sqlite://"+dir+"/f.db\"}\nauth: {mode: none}\n"), 0o600)
	var out, errOut bytes.Buffer
	if code := Main(ctx, []string{"captures", "tail", "--config", cfgPath, "-n", "2"}, &out, &errOut); code != 0 || strings.Count(out.String(), "\n") != 2 ||
		!strings.Contains(out.String(), "support") {
		t.Fatalf("captures tail: %d %q %q", code, out.String(), errOut.String())
	}
	out.Reset()
	if code := Main(ctx, []string{"captures", "export", "--config", cfgPath, "--route", "support"}, &out, &errOut); code != 0 || strings.Count(out.String(), "\n") != 3 {
		t.Fatalf("captures export: %d %q %q", code, out.String(), errOut.String())
	}
}

func get(t *testing.T, url string) string {
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func lineWith(data []byte, s string) string {
	for _, l := range bytes.Split(data, []byte("\n")) {
		if bytes.Contains(l, []byte(s)) {
			return string(l[:min(len(l), 400)])
		}
	}
	return ""
}
