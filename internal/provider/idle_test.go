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

// Reads closer together than the idle gap keep a stream alive past several
// idle periods; a longer gap after them fails it as an idle timeout.
func TestIdleGapCountsFromTheLastRead(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200)
		w.(http.Flusher).Flush()
		for i := 0; i < 12; i++ { // 12 × 25ms = 3 idle periods
			time.Sleep(25 * time.Millisecond)
			w.Write([]byte("data: {}\n\n"))
			w.(http.Flusher).Flush()
		}
		<-r.Context().Done() // then stall
	}))
	defer srv.Close()
	p := config.Provider{Type: "openai", BaseURL: srv.URL, MaxIdleConns: 2,
		Timeouts: config.Timeouts{Connect: time.Second, ResponseHeader: time.Second, FirstToken: time.Second, Idle: 100 * time.Millisecond, Total: 5 * time.Second}}
	c, _ := New("p", p)
	res, err := c.Do(context.Background(), Request{Path: "/x", Body: []byte(`{}`), Stream: true})
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	n, buf := 0, make([]byte, 64)
	var lastData time.Time
	for {
		k, rerr := res.Body.Read(buf)
		if k > 0 {
			n += k
			lastData = time.Now()
		}
		if rerr != nil {
			err = rerr
			break
		}
	}
	var te *TimeoutError
	if !errors.As(err, &te) || te.Phase != "idle" {
		t.Fatalf("err %v after %d bytes", err, n)
	}
	if n != 12*len("data: {}\n\n") {
		t.Fatalf("read %d bytes before the idle timeout, want all 12 events", n)
	}
	if gap := time.Since(lastData); gap < 90*time.Millisecond || gap > 2*time.Second {
		t.Fatalf("idle timeout %v after the last read, want about 100ms", gap)
	}
}
