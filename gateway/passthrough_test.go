package gateway

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/tidwall/gjson"
)

// seen is one request as the upstream received it.
type seen struct {
	method, path, query, auth, extra, ctype string
	body                                    []byte
}

// passthroughEnv is a gateway whose one provider records every request and
// answers with status and body.
func passthroughEnv(t *testing.T, status int, body string) (*httptest.Server, *[]seen) {
	t.Helper()
	var got []seen
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = append(got, seen{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Authorization"), r.Header.Get("X-Provider-Extra"), r.Header.Get("Content-Type"), b})
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Upstream", "yes")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(up.Close)
	gw := testGateway(t, up.URL+"/v1", Options{})
	srv := httptest.NewServer(gw)
	t.Cleanup(srv.Close)
	return srv, &got
}

func send(t *testing.T, method, url, key, ctype string, body []byte) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, bytes.NewReader(body))
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return res, string(b)
}

// Endpoints Fledgling does not model (files, audio, images, …) reach the
// upstream as they came, with the provider's key instead of the caller's.
func TestOtherV1EndpointsPassThrough(t *testing.T) {
	srv, got := passthroughEnv(t, 200, `{"object":"list","data":[]}`)
	res, body := send(t, "GET", srv.URL+"/v1/files?purpose=batch&limit=2", "sk-team-a", "", nil)
	if res.StatusCode != 200 || body != `{"object":"list","data":[]}` || res.Header.Get("X-Upstream") != "yes" {
		t.Fatalf("GET /v1/files: %d %q", res.StatusCode, body)
	}
	s := (*got)[0]
	if s.method != "GET" || s.path != "/v1/files" || s.query != "purpose=batch&limit=2" || s.auth != "Bearer sk-upstream" || s.extra != "1" || len(s.body) != 0 {
		t.Fatalf("upstream saw %+v", s)
	}

	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	mw.WriteField("model", "whisper-1")
	fw, _ := mw.CreateFormFile("file", "a.wav")
	fw.Write([]byte("RIFF\x00\x01binary audio"))
	mw.Close()
	send(t, "POST", srv.URL+"/v1/audio/transcriptions", "sk-team-a", mw.FormDataContentType(), form.Bytes())
	s = (*got)[1]
	if s.path != "/v1/audio/transcriptions" || s.ctype != mw.FormDataContentType() || !bytes.Equal(s.body, form.Bytes()) {
		t.Fatalf("multipart changed on the way: %+v", s)
	}

	send(t, "POST", srv.URL+"/v1/images/generations", "sk-team-a", "application/json", []byte(`{"model":"gpt-big","prompt":"a cat","n":1}`))
	if s = (*got)[2]; gjson.GetBytes(s.body, "model").Str != "big-upstream" || gjson.GetBytes(s.body, "prompt").Str != "a cat" {
		t.Fatalf("model not mapped to its upstream name: %s", s.body)
	}

	send(t, "DELETE", srv.URL+"/v1/files/file-abc", "sk-team-a", "", nil)
	if s = (*got)[3]; s.method != "DELETE" || s.path != "/v1/files/file-abc" {
		t.Fatalf("DELETE: %+v", s)
	}
}

func TestPassThroughRefusesWhatItMust(t *testing.T) {
	srv, got := passthroughEnv(t, 400, `{"error":{"message":"bad file","type":"invalid_request_error","param":null,"code":null}}`)
	for _, c := range []struct {
		method, path, key string
		status            int
		code              string
	}{
		{"GET", "/v1/files", "", 401, ""},
		{"GET", "/v1/files", "sk-limited", 403, ""},
		{"POST", "/v1/images/generations", "sk-team-a", 404, "model_not_found"}, // an unknown model in the body
		{"GET", "/nope", "sk-team-a", 404, "unknown_url"},
		{"GET", "/v1/files/x", "sk-team-a", 400, ""}, // the upstream's own error, relayed
	} {
		body := []byte(nil)
		ctype := ""
		if c.method == "POST" {
			body, ctype = []byte(`{"model":"no-such-model"}`), "application/json"
		}
		res, out := send(t, c.method, srv.URL+c.path, c.key, ctype, body)
		if res.StatusCode != c.status || !gjson.Get(out, "error.message").Exists() || (c.code != "" && gjson.Get(out, "error.code").Str != c.code) {
			t.Errorf("%s %s key %q: %d %s", c.method, c.path, c.key, res.StatusCode, out)
		}
	}
	if len(*got) != 1 {
		t.Fatalf("%d requests reached the upstream, want only the allowed one", len(*got))
	}
}
