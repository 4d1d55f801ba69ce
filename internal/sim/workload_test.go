package sim

import (
	"encoding/json"
	"testing"

	"github.com/fledgling-ai/fledgling/internal/openai"
)

func TestWorkloadTasksAreDistinctAndGradeTheirTruth(t *testing.T) {
	w, err := LoadWorkload()
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Tasks) < 4 {
		t.Fatalf("want at least 4 tasks, got %d", len(w.Tasks))
	}
	keys := map[string]string{}
	total := 0
	for _, task := range w.Tasks {
		t.Logf("task %-9s kind=%-5s items=%3d tools=%2d key=%s", task.Name, task.Kind, len(task.Items), len(task.Tools), task.Key())
		if len(task.Items) < 10 {
			t.Errorf("task %s: only %d items", task.Name, len(task.Items))
		}
		if prev, dup := keys[task.Key()]; dup {
			t.Errorf("tasks %s and %s share task key %s", prev, task.Name, task.Key())
		}
		keys[task.Key()] = task.Name
		total += len(task.Items)
		for _, it := range task.Items {
			if !it.Grade(it.Answer) {
				t.Errorf("%s: ground-truth answer does not grade as correct: %+v", it.ID, it.Answer)
			}
			raw, _ := json.Marshal(task.Request(it, "sim-small", "u1", true))
			if got := openai.TaskKey(raw); got != task.Key() {
				t.Errorf("%s: task key %s, want the task's %s", it.ID, got, task.Key())
			}
			if got, ok := w.Lookup(it.Prompt); !ok || got != it {
				t.Errorf("%s: Lookup by prompt failed", it.ID)
			}
		}
	}
	if total > 300 {
		t.Errorf("workload has %d items, keep it at most 300", total)
	}
	if w.Task("extract") == nil || w.Task("extract").Kind != KindJSON {
		t.Fatal("want a JSON-extraction task named extract")
	}
}

func TestToolSchemasAreJSONSchema(t *testing.T) {
	w, err := LoadWorkload()
	if err != nil {
		t.Fatal(err)
	}
	bad := map[string]bool{"dict": true, "float": true, "tuple": true, "any": true}
	var walk func(path string, s map[string]any)
	walk = func(path string, s map[string]any) {
		if ty, ok := s["type"].(string); ok && bad[ty] {
			t.Errorf("%s: BFCL type %q not converted", path, ty)
		}
		if _, ok := s["optional"]; ok {
			t.Errorf("%s: non-standard keyword optional kept", path)
		}
		if props, ok := s["properties"].(map[string]any); ok {
			for k, p := range props {
				walk(path+"."+k, p.(map[string]any))
			}
		}
		if items, ok := s["items"].(map[string]any); ok {
			walk(path+"[]", items)
		}
	}
	for _, task := range w.Tasks {
		for _, tl := range task.Tools {
			walk(task.Name+"/"+tl.Name, tl.Parameters)
			if tl.Parameters["type"] != "object" {
				t.Errorf("%s: parameters type %v, want object", tl.Name, tl.Parameters["type"])
			}
		}
	}
}

func TestGradeRejectsWrongAnswers(t *testing.T) {
	truth := []TruthCall{{Name: "calc_area", Args: map[string][]any{"base": {10.0}, "unit": {"cm", ""}}}}
	cases := []struct {
		name string
		a    []Call
		want bool
	}{
		{"exact", []Call{{Name: "calc_area", Args: map[string]any{"base": 10.0, "unit": "cm"}}}, true},
		{"optional omitted", []Call{{Name: "calc_area", Args: map[string]any{"base": 10.0}}}, true},
		{"wrong value", []Call{{Name: "calc_area", Args: map[string]any{"base": 11.0}}}, false},
		{"missing required", []Call{{Name: "calc_area", Args: map[string]any{"unit": "cm"}}}, false},
		{"extra arg", []Call{{Name: "calc_area", Args: map[string]any{"base": 10.0, "x": 1.0}}}, false},
		{"wrong function", []Call{{Name: "calc_volume", Args: map[string]any{"base": 10.0}}}, false},
		{"no call", nil, false},
	}
	for _, c := range cases {
		if got := GradeCalls(c.a, truth); got != c.want {
			t.Errorf("%s: got %v want %v", c.name, got, c.want)
		}
	}
}
