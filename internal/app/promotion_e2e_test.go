package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/tidwall/gjson"

	"github.com/fledgling-ai/fledgling/internal/config"
	"github.com/fledgling-ai/fledgling/promotion"
	"github.com/fledgling-ai/fledgling/router"
)

const promoE2EYAML = `
server: {listen: "127.0.0.1:0"}
auth: {mode: none}
providers:
  big: {base_url: "BIG/v1", api_key: "sk-big"}
  small: {base_url: "SMALL/v1"}
models:
  gpt-4o: {provider: big}
  slm: {provider: small, model: qwen-small}
routes:
  - name: support
    match: {models: [support]}
    primary: gpt-4o
    candidates: [{model: slm, version: v2, sample_rate: 0.01, promotion: {thresholds: {tool_call: 0.9}}}]
storage: {dsn: "sqlite://DIR/f.db", spill_dir: "DIR/spill"}
redis: {addr: "127.0.0.1:6379", prefix: "PREFIX"}
trainer: {work_dir: "DIR/trainer"}
`

// promoUpstream answers with the upstream model name it was asked for, or
// 500 while failing is set.
func promoUpstream(t *testing.T, failing *atomic.Bool) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if failing != nil && failing.Load() {
			w.WriteHeader(500)
			w.Write([]byte(`{"error":{"message":"down","type":"server_error"}}`))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"id": "x", "object": "chat.completion", "created": 1, "model": gjson.GetBytes(body, "model").String(),
			"choices": []any{map[string]any{"index": 0, "finish_reason": "stop", "message": map[string]any{"role": "assistant", "content": "ok"}}},
			"usage":   map[string]any{"prompt_tokens": 5, "completion_tokens": 1, "total_tokens": 6}})
	}))
	t.Cleanup(srv.Close)
	return srv
}

func servedModel(t *testing.T, base string) string {
	res, err := http.Post(base+"/v1/chat/completions", "application/json", strings.NewReader(`{"model":"support","user":"u1","messages":[{"role":"user","content":"hi"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("status %d: %s", res.StatusCode, b)
	}
	return gjson.GetBytes(b, "model").String()
}

// TestGatewayReplicasFollowOperatorPromotion: two full gateways share Redis;
// a force-promotion on one is served by the other within 1 s, and a failing
// candidate falls back to the primary invisibly and is counted against it.
func TestGatewayReplicasFollowOperatorPromotion(t *testing.T) {
	prefix := fmt.Sprintf("fledgling-test:e2e:%d:%d:", os.Getpid(), time.Now().UnixNano())
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	defer func() {
		keys, _ := rdb.Keys(context.Background(), prefix+"*").Result()
		if len(keys) > 0 {
			rdb.Del(context.Background(), keys...)
		}
		rdb.Close()
	}()
	var failing atomic.Bool
	big, small := promoUpstream(t, nil), promoUpstream(t, &failing)
	var hs []*Handle
	ctx, cancel := context.WithCancel(context.Background())
	defer func() {
		cancel()
		for _, h := range hs {
			h.Wait()
		}
	}()
	for i := 0; i < 2; i++ {
		y := strings.NewReplacer("BIG", big.URL, "SMALL", small.URL, "DIR", t.TempDir(), "PREFIX", prefix).Replace(promoE2EYAML)
		cfg, err := config.Parse([]byte(y))
		if err != nil {
			t.Fatal(err)
		}
		h, err := Start(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatal(err)
		}
		hs = append(hs, h)
	}
	a, b := hs[0], hs[1]
	if m := servedModel(t, b.URL()); m != "gpt-4o" {
		t.Fatalf("before promotion B served %q", m)
	}
	res, err := http.Post(a.URL()+"/admin/v1/routes/support/promote", "application/json", bytes.NewReader([]byte(`{"operator":"alice"}`)))
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("promote on A: %v %v", err, res.Status)
	}
	res.Body.Close()
	start := time.Now()
	for servedModel(t, b.URL()) != "slm" {
		if time.Since(start) > time.Second {
			d, _ := b.s.router.Decide(&router.Request{Model: "support", User: "u1"})
			da, _ := a.s.router.Decide(&router.Request{Model: "support", User: "u1"})
			t.Fatalf("B did not serve the promoted candidate within 1 s: A serves %s (%+v), B decides %+v", servedModel(t, a.URL()), da, d)
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("B served the candidate %s after A's force-promotion", time.Since(start).Round(time.Millisecond))
	// The candidate fails: B answers from the primary, and the failure is counted.
	failing.Store(true)
	for i := 0; i < 3; i++ {
		if m := servedModel(t, b.URL()); m != "gpt-4o" {
			t.Fatalf("failing candidate: served %q, want the primary", m)
		}
	}
	sc, err := promotion.OpenServingCounter(ctx, b.s.db)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		served, failed, err := sc.Serving(ctx, "support", "slm", time.Now().Add(-time.Hour))
		if err == nil && served >= 4 && failed == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("serving counts: served %d failed %d err %v; want ≥4 and 3", served, failed, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
