//go:build cgo

package onnx

import (
	"context"
	"fmt"
	"math/rand"
	"path/filepath"
	"sync"
	"testing"

	"github.com/fledgling-ai/fledgling/trainer/learned"
)

// needRuntime loads ONNX Runtime for the test, fetching it with
// scripts/onnxruntime.sh when missing; it fails (never skips) when it cannot.
func needRuntime(t testing.TB) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	path, err := EnsureLibrary(root)
	if err != nil {
		t.Fatalf("ONNX Runtime library unavailable (run `make onnxruntime`; needs npm): %v", err)
	}
	if err := Init(path); err != nil {
		t.Fatalf("ONNX Runtime did not load from %s: %v", path, err)
	}
	return path
}

// topicRequests is a labelled workload: the candidate passes arithmetic
// questions and fails legal ones.
func topicRequests(n int, seed int64) []learned.Example {
	rng := rand.New(rand.NewSource(seed))
	easy := []string{"add", "sum", "multiply", "numbers", "total", "plus"}
	hard := []string{"summarize", "legal", "contract", "clause", "liability", "nuance"}
	out := make([]learned.Example, n)
	for i := range out {
		words, pass := hard, false
		if rng.Intn(2) == 0 {
			words, pass = easy, true
		}
		text := "please"
		for k := 0; k < 4+rng.Intn(8); k++ {
			text += " " + words[rng.Intn(len(words))]
		}
		body := fmt.Sprintf(`{"model":"big","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":%q}],"tools":[{"type":"function","function":{"name":"calc"}}]}`, text)
		out[i] = learned.Example{Body: []byte(body), Passed: pass}
	}
	return out
}

var trained struct {
	sync.Mutex
	models map[int]*learned.Model
}

// trainedModel trains (once per shape per test binary) a router on topicRequests.
func trainedModel(t testing.TB, hidden int) *learned.Model {
	t.Helper()
	trained.Lock()
	defer trained.Unlock()
	if m, ok := trained.models[hidden]; ok {
		return m
	}
	m, _, err := learned.Train(context.Background(), topicRequests(800, 5), learned.Options{Hidden: hidden, Epochs: 8, QualityThreshold: 0.85}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if trained.models == nil {
		trained.models = map[int]*learned.Model{}
	}
	trained.models[hidden] = m
	return m
}
