package learned

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"testing"

	"github.com/fledgling-ai/fledgling/internal/features"
)

type memPairs map[string][]Example

func (m memPairs) Pairs(_ context.Context, route, model, version string) ([]Example, error) {
	return m[route+"/"+model+"@"+version], nil
}

func TestRunJobWritesModelAndReport(t *testing.T) {
	src := memPairs{"r/small@v1": separable(300, 4)}
	dir := t.TempDir()
	var seen []Progress
	res, err := RunJob(context.Background(), src, JobSpec{Route: "r", Model: "small", Version: "v1", Hidden: []int{0, 8},
		Options: Options{Epochs: 5, QualityThreshold: 0.9, Bound: BoundWilson}, OutDir: dir}, func(p Progress) { seen = append(seen, p) })
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Reports) != 2 || res.Report.RoutedShare <= 0 {
		t.Fatalf("result %+v", res)
	}
	shapes := map[string]bool{}
	for _, p := range seen {
		shapes[p.Shape] = true
	}
	if !shapes["logistic"] || !shapes["mlp-8"] {
		t.Errorf("progress shapes %v", shapes)
	}
	raw, err := os.ReadFile(res.Path)
	if err != nil || len(raw) < 4*features.Dim {
		t.Fatalf("onnx file: %v (%d bytes)", err, len(raw))
	}
	rep, err := os.ReadFile(dir + "/r.small.v1.report.json")
	var back JobResult
	if err != nil || json.Unmarshal(rep, &back) != nil || back.Report.Threshold != res.Model.Threshold {
		t.Fatalf("report: %v %s", err, rep)
	}
	if _, err := RunJob(context.Background(), src, JobSpec{Route: "other", Model: "small", Version: "v1", OutDir: dir,
		Options: Options{QualityThreshold: 0.9}}, nil); !errors.Is(err, ErrTooFewExamples) {
		t.Errorf("no pairs: %v", err)
	}
}
