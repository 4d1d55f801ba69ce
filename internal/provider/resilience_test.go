package provider

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/fledgling-ai/fledgling/internal/config"
)

func TestBreakerOpensHalfOpensAndCloses(t *testing.T) {
	c := config.Breaker{Failures: 2, OpenFor: time.Minute, HalfOpenProbes: 1}
	b := NewBreaker()
	now := time.Unix(1000, 0)
	b.now = func() time.Time { return now }
	for range 2 {
		if !b.Acquire(c) {
			t.Fatal("closed breaker refused")
		}
		b.Failure(c)
	}
	if b.Acquire(c) || b.State(c) != "open" {
		t.Fatal("breaker did not open after 2 failures")
	}
	now = now.Add(time.Minute)
	if !b.Acquire(c) || b.Acquire(c) {
		t.Fatal("half-open must let exactly one probe through")
	}
	b.Failure(c) // probe failed: open again
	if b.Acquire(c) {
		t.Fatal("failed probe did not reopen")
	}
	now = now.Add(time.Minute)
	if !b.Acquire(c) {
		t.Fatal("no second probe")
	}
	b.Success()
	if b.State(c) != "closed" || !b.Acquire(c) || !b.Acquire(c) {
		t.Fatal("successful probe did not close")
	}
}

func TestRetryAfterParsing(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		h    http.Header
		want time.Duration
		ok   bool
	}{
		{http.Header{"Retry-After-Ms": {"250"}, "Retry-After": {"9"}}, 250 * time.Millisecond, true},
		{http.Header{"Retry-After": {"1.5"}}, 1500 * time.Millisecond, true},
		{http.Header{"Retry-After": {now.Add(3 * time.Second).Format(http.TimeFormat)}}, 3 * time.Second, true},
		{http.Header{"Retry-After": {"soon"}}, 0, false},
		{http.Header{}, 0, false},
	}
	for _, c := range cases {
		got, ok := RetryAfter(c.h, now)
		if got != c.want || ok != c.ok {
			t.Errorf("%v: got %s %v", c.h, got, ok)
		}
	}
}

func TestBackoffGrowsWithJitterAndIsCapped(t *testing.T) {
	r := config.Retry{InitialBackoff: 100 * time.Millisecond, MaxBackoff: 300 * time.Millisecond}
	for n, hi := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 5: 300 * time.Millisecond} {
		for range 50 {
			if d := Backoff(n, r); d < hi/2 || d > hi {
				t.Fatalf("backoff(%d) = %s, want within [%s, %s]", n, d, hi/2, hi)
			}
		}
	}
}

func TestClassifiesAndRetries(t *testing.T) {
	cases := []struct {
		err       error
		class     string
		retryable bool
	}{
		{NewStatusError(429, http.Header{}, nil), "http_429", true},
		{NewStatusError(503, http.Header{"X-Should-Retry": {"false"}}, nil), "http_503", false},
		{NewStatusError(400, http.Header{}, []byte(`{"error":{"code":"context_length_exceeded","message":"x"}}`)), "context_length_exceeded", false},
		{NewStatusError(400, http.Header{}, []byte(`{"error":{"code":"content_filter","message":"x"}}`)), "content_filter", false},
		{&TimeoutError{Phase: "idle"}, "timeout_idle", true},
		{&ConnError{Err: errors.New("x"), Dial: true}, "connect", true},
		{ErrCanceled, "canceled", false},
	}
	for _, c := range cases {
		if Class(c.err) != c.class || Retryable(c.err) != c.retryable {
			t.Errorf("%v: class %s retryable %v", c.err, Class(c.err), Retryable(c.err))
		}
	}
}

func TestAzureURLAndKeyHeader(t *testing.T) {
	var gotPath, gotQuery, gotKey, gotAuth string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotPath, gotQuery, gotKey, gotAuth = r.URL.Path, r.URL.RawQuery, r.Header.Get("Api-Key"), r.Header.Get("Authorization")
		w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	p := config.Provider{Type: "azure", BaseURL: srv.URL, APIKey: "az-key", APIVersion: "2024-10-21",
		Deployments: map[string]string{"gpt-4o": "prod-4o"}, MaxIdleConns: 2,
		Timeouts: config.Timeouts{Connect: time.Second, ResponseHeader: time.Second, FirstToken: time.Second, Idle: time.Second, Total: time.Second}}
	c, err := New("az", p)
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Do(context.Background(), Request{Path: "/chat/completions", Model: "gpt-4o", Body: []byte(`{}`),
		Header: http.Header{"Authorization": {"Bearer caller"}}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if gotPath != "/openai/deployments/prod-4o/chat/completions" || gotQuery != "api-version=2024-10-21" || gotKey != "az-key" || gotAuth != "" {
		t.Fatalf("azure request: %s?%s key=%q auth=%q", gotPath, gotQuery, gotKey, gotAuth)
	}
}

func TestTotalTimeoutBoundsASlowBody(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200)
		w.(http.Flusher).Flush()
		for {
			select {
			case <-r.Context().Done():
				return
			case <-time.After(20 * time.Millisecond):
				w.Write([]byte(" "))
				w.(http.Flusher).Flush()
			}
		}
	}))
	defer srv.Close()
	p := config.Provider{Type: "openai", BaseURL: srv.URL, MaxIdleConns: 2,
		Timeouts: config.Timeouts{Connect: time.Second, ResponseHeader: time.Second, FirstToken: time.Second, Idle: time.Second, Total: 200 * time.Millisecond}}
	c, _ := New("p", p)
	res, err := c.Do(context.Background(), Request{Path: "/x", Body: []byte(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	buf := make([]byte, 64)
	for {
		if _, err = res.Body.Read(buf); err != nil {
			break
		}
	}
	var te *TimeoutError
	if !errors.As(err, &te) || te.Phase != "total" {
		t.Fatalf("err %v", err)
	}
}
