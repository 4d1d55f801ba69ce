package gateway

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

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
