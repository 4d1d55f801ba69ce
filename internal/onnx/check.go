package onnx

import (
	"fmt"

	"github.com/fledgling-ai/fledgling/internal/config"
)

// Check verifies, for a validated config, that every route with
// `policy: learned` can actually be served: ONNX Runtime loads from
// learned_routing.onnxruntime_path and each route's model opens and fits the
// feature vector. It returns nil when no route uses the policy (ONNX Runtime
// is then never loaded). The app calls it after config.Validate and before
// serving or reloading.
func Check(cfg *config.Config) config.Problems {
	var ps config.Problems
	routes := learnedRoutes(cfg)
	if len(routes) == 0 {
		return nil
	}
	if err := Init(cfg.Learned.ONNXRuntimePath); err != nil {
		return append(ps, config.Problem{Path: "learned_routing.onnxruntime_path",
			Message: fmt.Sprintf("%v (routes %v use policy learned; run `make onnxruntime` or set the path)", err, routes)})
	}
	for _, r := range routes {
		m, ok := cfg.Learned.Models[r]
		if !ok {
			continue // config.Validate already reports the missing model
		}
		s, err := Open(m.Path, Options{Sessions: 1})
		if err != nil {
			ps = append(ps, config.Problem{Path: "learned_routing.models." + r + ".path", Message: err.Error()})
			continue
		}
		s.Close()
	}
	return ps
}

// OpenRoutes opens the model of every route with `policy: learned`, keyed by
// route name, for router.Options.Scorers. On error it closes what it opened.
func OpenRoutes(cfg *config.Config, o Options) (map[string]*Scorer, error) {
	out := map[string]*Scorer{}
	routes := learnedRoutes(cfg)
	if len(routes) == 0 {
		return out, nil
	}
	if err := Init(cfg.Learned.ONNXRuntimePath); err != nil {
		return nil, err
	}
	for _, r := range routes {
		m, ok := cfg.Learned.Models[r]
		if !ok {
			continue
		}
		s, err := Open(m.Path, o)
		if err != nil {
			for _, opened := range out {
				opened.Close()
			}
			return nil, fmt.Errorf("route %s: %w", r, err)
		}
		out[r] = s
	}
	return out, nil
}

func learnedRoutes(cfg *config.Config) []string {
	var out []string
	for _, r := range cfg.Routes {
		if r.Policy == "learned" {
			out = append(out, r.Name)
		}
	}
	return out
}
