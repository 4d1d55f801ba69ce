//go:build cgo

package onnx

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/fledgling-ai/fledgling/internal/config"
	"github.com/fledgling-ai/fledgling/internal/features"
	"github.com/fledgling-ai/fledgling/router"
	"github.com/fledgling-ai/fledgling/trainer/learned"
)

var _ router.Scorer = (*Scorer)(nil)

func TestExportedModelMatchesGo(t *testing.T) {
	needRuntime(t)
	if RuntimeVersion() == "" {
		t.Fatal("no runtime version after Init")
	}
	for _, hidden := range []int{0, 16} {
		m := trainedModel(t, hidden)
		s, err := OpenBytes(m.ONNX(), Options{})
		if err != nil {
			t.Fatalf("hidden=%d: open exported model: %v", hidden, err)
		}
		maxDiff, spread := 0.0, map[bool]int{}
		for _, ex := range topicRequests(200, 99) {
			f := features.Extract(ex.Body, "")
			want, _ := m.Score(f)
			got, err := s.Score(f)
			if err != nil {
				t.Fatal(err)
			}
			maxDiff = math.Max(maxDiff, math.Abs(float64(got-want)))
			spread[float64(got) >= m.Threshold]++
		}
		t.Logf("hidden=%d: max |ONNX − Go| = %.2g over 200 requests (ONNX Runtime %s)", hidden, maxDiff, RuntimeVersion())
		if maxDiff > 1e-5 {
			t.Errorf("hidden=%d: ONNX and Go scores differ by %g (> 1e-5)", hidden, maxDiff)
		}
		if spread[true] == 0 || spread[false] == 0 {
			t.Errorf("hidden=%d: degenerate scores %v", hidden, spread)
		}
		if th, ok := s.Threshold(); !ok || th != m.Threshold {
			t.Errorf("metadata threshold %v %v, model %v", th, ok, m.Threshold)
		}
		if s.Metadata()[learned.MetaFeatureVersion] != features.Version {
			t.Errorf("metadata %v", s.Metadata())
		}
		s.Close()
	}
}

func TestConcurrentScoresAreConsistent(t *testing.T) {
	needRuntime(t)
	m := trainedModel(t, 16)
	s, err := OpenBytes(m.ONNX(), Options{Sessions: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	exs := topicRequests(64, 3)
	want := make([]float32, len(exs))
	for i, ex := range exs {
		want[i], _ = s.Score(features.Extract(ex.Body, ""))
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i, ex := range exs {
				if got, err := s.Score(features.Extract(ex.Body, "")); err != nil || got != want[i] {
					errs <- "mismatch"
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if len(errs) > 0 {
		t.Fatal("concurrent scores differ from sequential ones")
	}
}

func TestCloseWaitsForInFlightScores(t *testing.T) {
	needRuntime(t)
	s, err := OpenBytes(trainedModel(t, 16).ONNX(), Options{Sessions: 2})
	if err != nil {
		t.Fatal(err)
	}
	f := features.Extract(topicRequests(1, 1)[0].Body, "")
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				if _, err := s.Score(f); err != nil {
					if !errors.Is(err, ErrClosed) {
						t.Errorf("score: %v", err)
					}
					return
				}
			}
		}()
	}
	s.Close()
	wg.Wait()
	s.Close()
	if _, err := s.Score(f); !errors.Is(err, ErrClosed) {
		t.Fatalf("score after close: %v", err)
	}
}

func TestRejectsModelsOfTheWrongShape(t *testing.T) {
	needRuntime(t)
	other := *trainedModel(t, 0)
	other.FeatureVersion = "fledgling-features-v0"
	if _, err := OpenBytes(other.ONNX(), Options{}); !errors.Is(err, ErrModelShape) {
		t.Errorf("model of another feature layout accepted: %v", err)
	}
	small := &learned.Model{Dim: 10, W2: make([]float32, 10), FeatureVersion: "x"}
	if _, err := OpenBytes(small.ONNX(), Options{}); !errors.Is(err, ErrModelShape) {
		t.Errorf("10-wide input accepted: %v", err)
	}
	if _, err := OpenBytes([]byte("not a model"), Options{}); err == nil {
		t.Error("garbage accepted")
	}
	s, err := OpenBytes(trainedModel(t, 0).ONNX(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Score(make([]float32, 3)); err == nil {
		t.Error("short feature vector accepted")
	}
}

func TestRouterRoutesWithONNXScorer(t *testing.T) {
	lib := needRuntime(t)
	m := trainedModel(t, 16)
	dir := t.TempDir()
	path := filepath.Join(dir, "r.onnx")
	if err := m.WriteONNX(path); err != nil {
		t.Fatal(err)
	}
	cfg := learnedConfig(t, path, m.Threshold, lib)
	scorers, err := OpenRoutes(cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer scorers["r"].Close()
	tab, err := router.CompileWith(cfg, router.Options{Scorers: map[string]router.Scorer{"r": scorers["r"]}})
	if err != nil {
		t.Fatal(err)
	}
	toCandidate := map[bool][2]int{}
	for _, ex := range topicRequests(100, 11) {
		body := ex.Body
		d, err := tab.Decide(&router.Request{Model: "big", Features: func() []float32 { return features.Extract(body, "") }})
		if err != nil {
			t.Fatal(err)
		}
		c := toCandidate[ex.Passed]
		if d.Targets[0].Candidate && d.Targets[0].Model == "small" {
			c[0]++
		} else {
			c[1]++
		}
		toCandidate[ex.Passed] = c
	}
	// Requests the candidate passes go to it; the ones it fails stay on the primary.
	if p, f := toCandidate[true], toCandidate[false]; p[0] < p[1]*9 || f[0]*9 > f[1] {
		t.Fatalf("routing (candidate, primary) for passing %v, failing %v", p, f)
	}
}

func learnedConfig(t *testing.T, modelPath string, threshold float64, lib string) *config.Config {
	t.Helper()
	libLine := ""
	if lib != "" {
		libLine = "onnxruntime_path: " + lib + "\n  "
	}
	y := `
auth: {mode: none}
providers: {p: {type: openai, base_url: "http://127.0.0.1:1/v1"}}
models: {big: {provider: p}, small: {provider: p}}
learned_routing:
  ` + libLine + `models: {r: {path: "` + modelPath + `", threshold: ` + strings.TrimSpace(fmtFloat(threshold)) + `, candidate: small}}
routes:
  - name: r
    match: {models: [big]}
    primary: big
    policy: learned
    candidates: [{model: small}]
`
	cfg, err := config.Parse([]byte(y))
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	return cfg
}

func fmtFloat(f float64) string {
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.6f", f), "0"), ".")
}

func TestCheckReportsUnusableModels(t *testing.T) {
	lib := needRuntime(t)
	dir := t.TempDir()
	good := filepath.Join(dir, "good.onnx")
	if err := trainedModel(t, 0).WriteONNX(good); err != nil {
		t.Fatal(err)
	}
	if ps := Check(learnedConfig(t, good, 0.5, lib)); len(ps) != 0 {
		t.Fatalf("good config: %v", ps)
	}
	bad := filepath.Join(dir, "bad.onnx")
	os.WriteFile(bad, []byte("junk"), 0o644)
	ps := Check(learnedConfig(t, bad, 0.5, lib))
	if len(ps) != 1 || ps[0].Path != "learned_routing.models.r.path" {
		t.Fatalf("bad model: %v", ps)
	}
	ps = Check(learnedConfig(t, good, 0.5, filepath.Join(dir, "nope.so")))
	if len(ps) != 1 || ps[0].Path != "learned_routing.onnxruntime_path" || !strings.Contains(ps[0].Message, "learned routing unavailable") {
		t.Fatalf("other library path: %v", ps)
	}
}
