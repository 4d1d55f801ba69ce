package gateway

import (
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fledgling-ai/fledgling/internal/capture"
	"github.com/fledgling-ai/fledgling/internal/config"
	"github.com/fledgling-ai/fledgling/internal/provider/fakeupstream"
)

// The client has the whole answer, success or error, while the call's
// record is still being built: costing, which building the record includes,
// is held here until the client has read the body to its end.
func TestAnswerReachesTheClientBeforeTheRecordIsBuilt(t *testing.T) {
	for _, tc := range []struct {
		name   string
		fault  func(int, fakeupstream.Request) fakeupstream.Fault
		status int
		want   string
	}{
		{"answer", nil, 200, `"chat.completion"`},
		{"upstream error", func(int, fakeupstream.Request) fakeupstream.Fault {
			return fakeupstream.Fault{Status: 400}
		}, 400, `"error"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			release := make(chan struct{})
			off := false
			e := newEnv(t, tc.fault, func(cfg *config.Config, o *Options) {
				cfg.Costs.Header = &off // the cost header is priced before the answer is written
				o.Pricer = blockingPricer{release}
			})
			type answer struct {
				status int
				body   string
				err    error
			}
			got := make(chan answer, 1)
			go func() {
				req, _ := http.NewRequest("POST", e.srv.URL+"/v1/chat/completions",
					strings.NewReader(`{"model":"gpt-big","messages":[{"role":"user","content":"hi"}]}`))
				req.Header.Set("Authorization", "Bearer sk-team-a")
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					got <- answer{err: err}
					return
				}
				defer res.Body.Close()
				b, err := io.ReadAll(res.Body)
				got <- answer{res.StatusCode, string(b), err}
			}()
			select {
			case a := <-got:
				close(release)
				if a.err != nil || a.status != tc.status || !strings.Contains(a.body, tc.want) {
					t.Fatalf("got %d %q (err %v); want %d with %s", a.status, a.body, a.err, tc.status, tc.want)
				}
			case <-time.After(5 * time.Second):
				close(release)
				t.Fatal("the client got its answer only once the record was built")
			}
			if rec := e.record(); rec.Status != tc.status {
				t.Fatalf("record status %d; want %d", rec.Status, tc.status)
			}
		})
	}
}

// panicOnce panics on the first record it is given and hands the others on.
type panicOnce struct {
	next testRecorder
	done atomic.Bool
}

func (p *panicOnce) Record(rec *capture.Record) {
	if p.done.CompareAndSwap(false, true) {
		panic("recorder broke")
	}
	p.next.Record(rec)
}

// The record is handed off in the handler once the answer has left: a
// collaborator that panics there loses that call's record, logged, and
// neither the answer nor the connection nor the calls after it.
func TestAPanicHandingOffARecordLosesOnlyThatRecord(t *testing.T) {
	var logs strings.Builder
	var mu sync.Mutex
	e := newEnv(t, nil, func(_ *config.Config, o *Options) {
		o.Recorder = &panicOnce{next: o.Recorder.(testRecorder)}
		o.Logger = slog.New(slog.NewTextHandler(lockedWriter{&mu, &logs}, nil))
	})
	body := `{"model":"gpt-big","messages":[{"role":"user","content":"hi"}]}`
	for i := 0; i < 2; i++ {
		res := e.post("/v1/chat/completions", body)
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !strings.Contains(string(b), `"chat.completion"`) {
			t.Fatalf("call %d: got %d %s", i, res.StatusCode, b)
		}
	}
	if rec := e.record(); rec.Status != 200 {
		t.Fatalf("the second call's record has status %d", rec.Status)
	}
	select {
	case rec := <-e.recs:
		t.Fatalf("a second record arrived (%s): the first should have been lost", rec.ID)
	case <-time.After(100 * time.Millisecond):
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(logs.String(), "panic handing off a record") || !strings.Contains(logs.String(), "recorder broke") {
		t.Fatalf("the panic was not logged: %s", logs.String())
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
