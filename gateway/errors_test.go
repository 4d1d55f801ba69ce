package gateway

import (
	"net/http"
	"strings"
	"testing"

	"github.com/tidwall/gjson"

	"github.com/fledgling-ai/fledgling/internal/provider/fakeupstream"
)

func TestErrorsUseOpenAIEnvelopeAndStatus(t *testing.T) {
	e := newEnv(t, byModel(map[string]fakeupstream.Fault{
		"gpt-solo": {Status: 422, Body: `{"error":{"message":"bad things","type":"invalid_request_error","param":"temperature","code":"invalid_value"}}`},
	}))
	cases := []struct {
		name, path, body, key string
		status                int
		typ, code             string
	}{
		{"malformed json", "/v1/chat/completions", `{"model":`, "sk-team-a", 400, "invalid_request_error", "invalid_value"},
		{"missing model", "/v1/chat/completions", `{"messages":[{"role":"user","content":"x"}]}`, "sk-team-a", 400, "invalid_request_error", "invalid_value"},
		{"missing messages", "/v1/chat/completions", `{"model":"gpt-big"}`, "sk-team-a", 400, "invalid_request_error", "invalid_value"},
		{"missing input", "/v1/embeddings", `{"model":"text-embedding-3-small"}`, "sk-team-a", 400, "invalid_request_error", "invalid_value"},
		{"unknown model", "/v1/chat/completions", `{"model":"nope","messages":[{"role":"user","content":"x"}]}`, "sk-team-a", 404, "invalid_request_error", "model_not_found"},
		{"no key", "/v1/chat/completions", chatBody, "", 401, "invalid_request_error", "invalid_api_key"},
		{"bad key", "/v1/chat/completions", chatBody, "sk-wrong", 401, "invalid_request_error", "invalid_api_key"},
		{"key model limit", "/v1/chat/completions", chatBody, "sk-limited", 403, "permission_error", "model_not_allowed"},
		{"too large", "/v1/chat/completions", `{"model":"gpt-big","messages":[{"role":"user","content":"` + strings.Repeat("x", 5000) + `"}]}`, "sk-team-a", 413, "invalid_request_error", "request_too_large"},
		{"upstream error relayed", "/v1/chat/completions", `{"model":"gpt-solo","messages":[{"role":"user","content":"x"}]}`, "sk-team-a", 422, "invalid_request_error", "invalid_value"},
		{"unknown path", "/v1/nothing", `{}`, "sk-team-a", 404, "invalid_request_error", "unknown_url"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", e.srv.URL+c.path, strings.NewReader(c.body))
			if c.key != "" {
				req.Header.Set("Authorization", "Bearer "+c.key)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			out := readAll(t, res)
			if res.StatusCode != c.status {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, c.status, out)
			}
			env := gjson.Get(out, "error")
			if env.Get("type").String() != c.typ || env.Get("code").String() != c.code || !env.Get("message").Exists() || !env.Get("param").Exists() {
				t.Fatalf("envelope %s", out)
			}
			if res.Header.Get("X-Request-Id") == "" {
				t.Fatal("x-request-id missing on an error")
			}
		})
	}
	if n := e.countModel("gpt-solo"); n != 1 {
		t.Fatalf("a 422 was retried: %d upstream calls", n)
	}
}

func TestUpstream400IsNotRetriedNorRoutedAround(t *testing.T) {
	e := newEnv(t, byModel(map[string]fakeupstream.Fault{"big-upstream": {Status: 400, Code: "invalid_value"}}))
	res := e.post("/v1/chat/completions", chatBody)
	out := readAll(t, res)
	if res.StatusCode != 400 || gjson.Get(out, "error.code").String() != "invalid_value" {
		t.Fatalf("got %d %s", res.StatusCode, out)
	}
	if e.countModel("big-upstream") != 1 || e.countModel("gpt-small") != 0 {
		t.Fatalf("400 retried or fell back: %d big, %d small", e.countModel("big-upstream"), e.countModel("gpt-small"))
	}
	if rec := e.record(); rec.Status != 400 || rec.ErrorClass != "http_400" {
		t.Fatalf("record %+v", rec)
	}
}

func TestAdminNeedsAdminKeyAndDashboardIsPublic(t *testing.T) {
	admin := http.NewServeMux()
	admin.HandleFunc("GET /admin/v1/ping", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("pong")) })
	public := http.NewServeMux()
	public.HandleFunc("GET /dashboard", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("page")) })
	e := newEnv(t, nil, func(_ *configT, o *Options) { o.Admin, o.Public = admin, public })
	if res := e.get("/admin/v1/ping", "sk-team-a"); res.StatusCode != 401 {
		t.Fatalf("admin with a client key: %d", res.StatusCode)
	}
	if res := e.get("/admin/v1/ping", "sk-admin"); res.StatusCode != 200 || readAll(t, res) != "pong" {
		t.Fatalf("admin with the admin key failed")
	}
	if res := e.get("/dashboard", ""); res.StatusCode != 200 || readAll(t, res) != "page" {
		t.Fatalf("public dashboard failed")
	}
}
