package demo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/fledgling-ai/fledgling/internal/sim"
)

// appHeader marks the simulated application's requests. The gateway
// forwards it upstream; shadow replays (made by the gateway itself) do not
// carry it. The simulator uses it to keep two ground truths apart: what
// served users, and what the shadow evaluation cost.
const appHeader = "X-Sim-Traffic"

// simulator is the traffic SIMULATOR on one address: two sim.Servers with
// identical models and seed, one answering the application's requests (via
// the gateway) and one answering the gateway's shadow replays, so each has
// its own exact counters.
type simulator struct {
	live, shadow *sim.Server
	srv          *http.Server
	url          string
}

func startSimulator(log *slog.Logger) (*simulator, error) {
	w, err := sim.LoadWorkload()
	if err != nil {
		return nil, err
	}
	s := &simulator{}
	for _, dst := range []**sim.Server{&s.live, &s.shadow} {
		if *dst, err = sim.NewServer(sim.Config{Seed: 7, Workload: w, Models: simModels(), Logger: log}); err != nil {
			return nil, err
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("simulator listen: %w", err)
	}
	s.url = "http://" + ln.Addr().String()
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// simModels: sim-large always gives the accepted answer; sim-small agrees
// with it at goodAgreement on every task but BadTask.
func simModels() map[string]sim.Profile {
	small := sim.SmallProfile()
	small.Agreement = map[string]float64{"*": goodAgreement, BadTask: badAgreement}
	return map[string]sim.Profile{"sim-large": sim.LargeProfile(), "sim-small": small}
}

// ServeHTTP sends application traffic to live and everything else (shadow
// replays) to shadow; an adapter load goes to both.
func (s *simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/v1/load_lora_adapter" {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		rec := httptest.NewRecorder()
		s.shadow.ServeHTTP(rec, cloneRequest(r, body))
		if rec.Code >= 300 {
			w.WriteHeader(rec.Code)
			w.Write(rec.Body.Bytes())
			return
		}
		s.live.ServeHTTP(w, cloneRequest(r, body))
		return
	}
	if r.Header.Get(appHeader) != "" {
		s.live.ServeHTTP(w, r)
		return
	}
	s.shadow.ServeHTTP(w, r)
}

func cloneRequest(r *http.Request, body []byte) *http.Request {
	c := r.Clone(r.Context())
	c.Body = io.NopCloser(bytes.NewReader(body))
	return c
}

// setAgreement changes a model's quality on a task on both sides.
func (s *simulator) setAgreement(model, task string, p float64) error {
	return errors.Join(s.live.SetAgreement(model, task, p), s.shadow.SetAgreement(model, task, p))
}

func (s *simulator) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = s.srv.Shutdown(ctx)
}
