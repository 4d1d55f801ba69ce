package gateway

import (
	"slices"
	"testing"

	"github.com/fledgling-ai/fledgling/internal/config"
	"github.com/fledgling-ai/fledgling/internal/features"
	"github.com/fledgling-ai/fledgling/router"
)

// featureRouter wraps the real router and records the features each
// request offered (computed inside Decide, as a learned policy would).
type featureRouter struct {
	next Router
	got  [][]float32
	none int
}

func (f *featureRouter) Decide(req *router.Request) (router.Decision, error) {
	if req.Features == nil {
		f.none++
	} else {
		f.got = append(f.got, slices.Clone(req.Features()))
	}
	return f.next.Decide(req)
}

func withFeatureRouter(fr *featureRouter, learned bool) envOption {
	return func(cfg *config.Config, o *Options) {
		if learned {
			cfg.Routes[0].Policy = "learned"
			cfg.Routes[0].Sampling.TaskKeyHeader = "X-Task"
		}
		fr.next = o.Router
		o.Router = fr
	}
}

// Only a config with a learned route gives the router features; they are
// the features of the request body and the learned route's task-key header.
func TestRouterFeaturesOnlyForLearnedRoutes(t *testing.T) {
	body := `{"model":"gpt-big","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"add two numbers"}]}`
	plain := &featureRouter{}
	e := newEnv(t, nil, withFeatureRouter(plain, false))
	readAll(t, e.post("/v1/chat/completions", body))
	if len(plain.got) != 0 || plain.none != 1 {
		t.Fatalf("features offered without a learned route: %d with, %d without", len(plain.got), plain.none)
	}

	fr := &featureRouter{}
	e = newEnv(t, nil, withFeatureRouter(fr, true))
	readAll(t, e.post("/v1/chat/completions", body))
	readAll(t, e.post("/v1/chat/completions", body, "X-Task", "billing"))
	if len(fr.got) != 2 {
		t.Fatalf("features offered %d times, want 2", len(fr.got))
	}
	if want := features.Extract([]byte(body), ""); !slices.Equal(fr.got[0], want) {
		t.Error("features differ from features.Extract of the body")
	}
	if want := features.Extract([]byte(body), "billing"); !slices.Equal(fr.got[1], want) {
		t.Error("the task-key header was not used as the task key")
	}
}
