package app

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tidwall/gjson"

	"github.com/fledgling-ai/fledgling/internal/config"
)

func TestProviderCallerResolvesModelsAndRelaysErrors(t *testing.T) {
	var gotModel, gotAuth string
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		gotModel, gotAuth = gjson.GetBytes(b, "model").String(), r.Header.Get("Authorization")
		if gotModel == "overloaded" {
			w.WriteHeader(503)
			io.WriteString(w, `{"error":{"message":"busy","type":"server_error"}}`)
			return
		}
		io.WriteString(w, `{"choices":[{"message":{"content":"ok"}}]}`)
	}))
	defer up.Close()
	cfg, err := config.Parse([]byte(`
auth: {mode: none}
providers: {local: {base_url: "` + up.URL + `/v1", api_key: "sk-shadow"}}
models: {slm: {provider: local, model: qwen-upstream}, "*": {provider: local}}
storage: {dsn: "sqlite://` + t.TempDir() + `/x.db"}
`))
	if err != nil {
		t.Fatal(err)
	}
	c, err := newProviderCaller(cfg)
	if err != nil {
		t.Fatal(err)
	}
	status, body, err := c.Call(context.Background(), "slm", []byte(`{"model":"slm","messages":[]}`))
	if err != nil || status != 200 || !strings.Contains(string(body), "ok") || gotModel != "qwen-upstream" || gotAuth != "Bearer sk-shadow" {
		t.Fatalf("status %d body %s err %v; upstream saw model %q auth %q", status, body, err, gotModel, gotAuth)
	}
	status, body, err = c.Call(context.Background(), "overloaded", []byte(`{"model":"x"}`))
	if err != nil || status != 503 || !strings.Contains(string(body), "busy") {
		t.Fatalf("503 relayed as status %d body %s err %v", status, body, err)
	}
	delete(cfg.Models, "*")
	if err := c.reload(cfg); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Call(context.Background(), "unknown", []byte(`{}`)); err == nil {
		t.Fatal("an unknown model must be an error after reload")
	}
}
