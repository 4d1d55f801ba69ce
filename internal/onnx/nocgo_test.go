//go:build !cgo

package onnx

import (
	"errors"
	"strings"
	"testing"

	"github.com/fledgling-ai/fledgling/internal/config"
)

func TestWithoutCgoLearnedRoutingIsUnavailable(t *testing.T) {
	err := Init("/any/libonnxruntime.so")
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "built without cgo") {
		t.Fatalf("Init: %v", err)
	}
	cfg, perr := config.Parse([]byte(`
auth: {mode: none}
providers: {p: {type: openai, base_url: "http://127.0.0.1:1/v1"}}
models: {big: {provider: p}, small: {provider: p}}
learned_routing: {models: {r: {path: r.onnx, threshold: 0.5}}}
routes:
  - {name: r, match: {models: [big]}, primary: big, policy: learned, candidates: [{model: small}]}
`))
	if perr != nil {
		t.Fatal(perr)
	}
	ps := Check(cfg)
	if len(ps) != 1 || ps[0].Path != "learned_routing.onnxruntime_path" || !strings.Contains(ps[0].Message, "built without cgo") {
		t.Fatalf("Check: %v", ps)
	}
	var s Scorer
	if _, err := s.Score(nil); !errors.Is(err, ErrUnavailable) {
		t.Fatal(err)
	}
}
