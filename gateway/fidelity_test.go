package gateway

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/tidwall/gjson"

	"github.com/fledgling-ai/fledgling/internal/provider/fakeupstream"
)

func TestChatForwardsRawBodyRewritingOnlyModel(t *testing.T) {
	e := newEnv(t, nil)
	body := `{"model":"gpt-big",  "messages":[{"role":"user","content":"hi"}],"x_unknown":{"keep":[1,2.50,"é"]},"verbosity":"low","user":"u-1"}`
	res := e.post("/v1/chat/completions", body, "Connection", "X-Hop", "X-Hop", "secret-hop", "Openai-Organization", "org-caller")
	out := readAll(t, res)
	if res.StatusCode != 200 {
		t.Fatalf("status %d: %s", res.StatusCode, out)
	}
	got := e.fake.Requests()[0]
	want := strings.Replace(body, `"model":"gpt-big"`, `"model":"big-upstream"`, 1)
	if string(got.Body) != want {
		t.Fatalf("upstream body\n got %s\nwant %s", got.Body, want)
	}
	if a := got.Header.Get("Authorization"); a != "Bearer sk-upstream" {
		t.Fatalf("upstream Authorization = %q, want the provider key", a)
	}
	if got.Header.Get("X-Hop") != "" || got.Header.Get("Openai-Organization") != "" {
		t.Fatalf("hop-by-hop or caller org header forwarded: %v", got.Header)
	}
	if got.Header.Get("X-Provider-Extra") != "1" {
		t.Fatal("provider extra header missing")
	}
	if m := gjson.Get(out, "model").String(); m != "gpt-big" {
		t.Fatalf("response model %q, want the public name gpt-big", m)
	}
	if id := res.Header.Get("X-Request-Id"); !strings.HasPrefix(id, "req_fake_") {
		t.Fatalf("x-request-id %q, want the upstream's", id)
	}
	if res.Header.Get("X-Fledgling-Cost-Usd") == "" {
		t.Fatal("cost header missing on a non-streamed response")
	}
	rec := e.record()
	if rec.ID != res.Header.Get("X-Fledgling-Request-Id") || rec.UpstreamRequestID != res.Header.Get("X-Request-Id") || rec.Route != "main" || rec.KeyID != "team-a" || rec.User != "u-1" ||
		rec.AnsweringModel != "gpt-big" || rec.UpstreamModel != "big-upstream" || rec.Provider != "up" || rec.Status != 200 {
		t.Fatalf("record: %+v", rec)
	}
	if !strings.HasPrefix(rec.ID, "req_") || rec.ID == rec.UpstreamRequestID {
		t.Fatalf("record id %q: want Fledgling's own, not the upstream's %q", rec.ID, rec.UpstreamRequestID)
	}
	if rec.Response.Content == "" || !rec.Usage.Present() || string(rec.Request) != body || !rec.OK() {
		t.Fatalf("record content/usage/request: %+v", rec)
	}
	in, _ := rec.Usage.Input.Get()
	out2, _ := rec.Usage.Output.Get()
	if rec.CostMicros != 10*in+20*out2 || !rec.Priced || rec.CounterfactualMicros != rec.CostMicros {
		t.Fatalf("costs: %d priced=%v counterfactual=%d", rec.CostMicros, rec.Priced, rec.CounterfactualMicros)
	}
}

func TestRecordCarriesSessionTagsMetadataAndTaskKey(t *testing.T) {
	e := newEnv(t, nil)
	body := `{"model":"gpt-small","messages":[{"role":"system","content":"be brief"},{"role":"user","content":"hi"}],"metadata":{"session_id":"s-meta","tags":"a, b","team":"x"}}`
	readAll(t, e.post("/v1/chat/completions", body, "X-Fledgling-Tags", "h1,h2", "X-Fledgling-Session-Id", "s-hdr"))
	rec := e.record()
	if rec.Session != "s-hdr" || strings.Join(rec.Tags, ",") != "h1,h2,a,b" || rec.Metadata["team"] != "x" || rec.TaskKey == "" {
		t.Fatalf("record: session=%q tags=%v metadata=%v task=%q", rec.Session, rec.Tags, rec.Metadata, rec.TaskKey)
	}
	if rec.Route != "" || rec.AnsweringModel != "gpt-small" || rec.PrimaryModel != "gpt-small" {
		t.Fatalf("direct model record: %+v", rec)
	}
	if e.fake.Requests()[0].Header.Get("X-Fledgling-Tags") != "" {
		t.Fatal("x-fledgling-* headers must not reach the upstream")
	}
}

func TestEmbeddingsBase64PassesThroughUntouched(t *testing.T) {
	e := newEnv(t, nil)
	out := readAll(t, e.post("/v1/embeddings", `{"model":"text-embedding-3-small","input":["a","b"],"encoding_format":"base64"}`))
	emb := gjson.Get(out, "data.1.embedding")
	if emb.Type != gjson.String || emb.String() != fakeupstream.EncodeBase64(fakeupstream.Vector(`"b"`, 8)) {
		t.Fatalf("base64 embedding not relayed as is: %s", out)
	}
	out = readAll(t, e.post("/v1/embeddings", `{"model":"text-embedding-3-small","input":"a"}`))
	if !gjson.Get(out, "data.0.embedding").IsArray() {
		t.Fatalf("float embedding: %s", out)
	}
	if rec := e.record(); rec.Kind != "embeddings" || !rec.Usage.Present() {
		t.Fatalf("embedding record: %+v", rec)
	}
}

func TestCompletionsAndResponsesPassThrough(t *testing.T) {
	e := newEnv(t, nil)
	out := readAll(t, e.post("/v1/completions", `{"model":"gpt-small","prompt":"Say hi"}`))
	if gjson.Get(out, "object").String() != "text_completion" || gjson.Get(out, "choices.0.text").String() == "" {
		t.Fatalf("completion: %s", out)
	}
	if rec := e.record(); rec.Kind != "text_completion" || rec.Response.Content == "" {
		t.Fatalf("completion record: %+v", rec)
	}
	out = readAll(t, e.post("/v1/responses", `{"model":"gpt-big","input":"hi"}`))
	if gjson.Get(out, "object").String() != "response" || gjson.Get(out, "model").String() != "gpt-big" {
		t.Fatalf("responses: %s", out)
	}
	if rec := e.record(); rec.Response.Content == "" || !rec.Usage.Present() || rec.Response.FinishReason != "stop" {
		t.Fatalf("responses record: %+v", rec)
	}
	res := e.post("/v1/responses", `{"model":"gpt-big","input":"hi","stream":true}`)
	body := readAll(t, res)
	if !strings.Contains(body, "event: response.completed") || strings.Contains(body, "[DONE]") {
		t.Fatalf("responses stream: %s", body)
	}
	if strings.Contains(body, `"model":"big-upstream"`) {
		t.Fatalf("responses stream leaks the upstream model name: %s", body)
	}
	if rec := e.record(); !rec.Stream || rec.Response.Content == "" || !rec.Usage.Present() || !rec.OK() {
		t.Fatalf("responses stream record: %+v", rec)
	}
}

func TestModelsListAndGet(t *testing.T) {
	e := newEnv(t, nil)
	get := func(path, key string) (int, string) {
		res := e.get(path, key)
		return res.StatusCode, readAll(t, res)
	}
	code, out := get("/v1/models", "sk-team-a")
	var list struct {
		Object string `json:"object"`
		Data   []struct{ ID, Object string }
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil || code != 200 || list.Object != "list" || len(list.Data) != 4 {
		t.Fatalf("models: %d %s", code, out)
	}
	if code, out = get("/v1/models", "sk-limited"); !strings.Contains(out, "gpt-small") || strings.Contains(out, "gpt-big") {
		t.Fatalf("limited key sees: %s", out)
	}
	if code, out = get("/v1/models/gpt-big", "sk-team-a"); code != 200 || gjson.Get(out, "id").String() != "gpt-big" {
		t.Fatalf("get model: %d %s", code, out)
	}
	if code, out = get("/v1/models/nope", "sk-team-a"); code != 404 || gjson.Get(out, "error.code").String() != "model_not_found" {
		t.Fatalf("unknown model: %d %s", code, out)
	}
	if code, _ = get("/v1/models", ""); code != 401 {
		t.Fatalf("models without key: %d", code)
	}
}
