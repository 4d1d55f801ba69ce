package trainer

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

// python runs python3 with the recipes' byte-code kept out of the tree and
// with stand-in modules for the GPU stack that fail on import, so a recipe
// that imports torch, unsloth, trl or transformers outside training fails.
func python(t *testing.T, args ...string) (stdout string, code int) {
	t.Helper()
	stubs := t.TempDir()
	for _, m := range []string{"torch", "unsloth", "trl", "transformers", "datasets"} {
		os.WriteFile(filepath.Join(stubs, m+".py"), []byte("raise ImportError('GPU stack imported during a dry run')\n"), 0o644)
	}
	cmd := exec.Command("python3", args...)
	cmd.Env = append(os.Environ(), "PYTHONPYCACHEPREFIX="+t.TempDir(), "PYTHONPATH="+stubs)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	if errb.Len() > 0 {
		t.Logf("stderr: %s", errb.String())
	}
	return out.String(), code
}

func TestRecipesCompile(t *testing.T) {
	t.Parallel() // each python3 start costs seconds on a loaded machine
	files, _ := filepath.Glob("recipes/*.py")
	if len(files) < 3 {
		t.Fatalf("recipes: %v", files)
	}
	if _, code := python(t, append([]string{"-m", "py_compile"}, files...)...); code != 0 {
		t.Fatal("py_compile failed")
	}
}

func recipeDataset(t *testing.T) *Dataset {
	recs := append(bfclRecords(t, "parallel", "r", 40, t0), multiTurnRecord())
	recs[len(recs)-1].Route = "r"
	d, err := newBuilder(t, openSQLite(t), &memSource{recs}, 1).Build(context.Background(), "r", nil)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestQLoRADryRun(t *testing.T) {
	t.Parallel() // each python3 start costs seconds on a loaded machine
	d := recipeDataset(t)
	out := t.TempDir()
	for _, format := range []string{"neutral", "openai"} {
		stdout, code := python(t, "recipes/qlora_unsloth.py", "--dry-run", "--dataset", d.Path(SplitTrain, format),
			"--validation", d.Path(SplitValidation, format), "--output-dir", out, "--base-model", "unsloth/Qwen2.5-1.5B-Instruct-bnb-4bit")
		res := gjson.Parse(strings.TrimSpace(stdout))
		if code != 0 || !res.Get("ok").Bool() || res.Get("counts.train").Int() != int64(d.Manifest.Counts.Train) {
			t.Fatalf("%s dry run: exit %d, %s", format, code, stdout)
		}
		if res.Get("hyperparameters.lora_r").Int() != 64 || res.Get("hyperparameters.lora_alpha").Int() != 16 ||
			res.Get("hyperparameters.learning_rate").Float() != 2e-4 || res.Get("hyperparameters.epochs").Float() != 1 ||
			!res.Get("hyperparameters.load_in_4bit").Bool() {
			t.Fatalf("defaults are not the prototype's: %s", res.Get("hyperparameters").Raw)
		}
	}
}

func TestQLoRADryRunRejects(t *testing.T) {
	t.Parallel() // each python3 start costs seconds on a loaded machine
	d := recipeDataset(t)
	bad := filepath.Join(t.TempDir(), "bad.jsonl")
	os.WriteFile(bad, []byte(`{"prompt":[{"role":"user","content":"x"}],"completion":[{"role":"assistant","content":null}]}`+"\n"), 0o644)
	for name, args := range map[string][]string{
		"bad dataset":     {"--dataset", bad},
		"bad rank and lr": {"--dataset", d.Path(SplitTrain, "neutral"), "--lora-r", "0", "--learning-rate", "3"},
	} {
		args = append([]string{"recipes/qlora_unsloth.py", "--dry-run", "--output-dir", t.TempDir(), "--base-model", "m"}, args...)
		stdout, code := python(t, args...)
		if code != 2 || gjson.Get(stdout, "ok").Bool() || len(gjson.Get(stdout, "problems").Array()) == 0 {
			t.Fatalf("%s: exit %d, %s", name, code, stdout)
		}
	}
}

// The simulated recipe resumes from its newest checkpoint: a run of 6 steps,
// then a run to 10 steps starts at step 7.
func TestSimulatedRecipeResumes(t *testing.T) {
	t.Parallel() // each python3 start costs seconds on a loaded machine
	d := recipeDataset(t)
	out := t.TempDir()
	args := func(steps string) []string {
		return []string{"recipes/simulated_recipe.py", "--dataset", d.Path(SplitTrain, "neutral"), "--output-dir", out,
			"--steps", steps, "--step-seconds", "0", "--checkpoint-every", "2", "--base-model", "tiny"}
	}
	if _, code := python(t, args("6")...); code != 0 {
		t.Fatal("first run failed")
	}
	stdout, code := python(t, args("10")...)
	if code != 0 {
		t.Fatal("second run failed")
	}
	var steps []int64
	for _, l := range strings.Split(stdout, "\n") {
		if gjson.Get(l, "event").String() == "progress" {
			steps = append(steps, gjson.Get(l, "step").Int())
		}
	}
	if len(steps) != 4 || steps[0] != 7 || steps[3] != 10 {
		t.Fatalf("second run steps %v:\n%s", steps, stdout)
	}
	man, err := os.ReadFile(filepath.Join(out, "adapter", "manifest.json"))
	if err != nil || !gjson.GetBytes(man, "simulated").Bool() || gjson.GetBytes(man, "examples").Int() != int64(d.Manifest.Counts.Train) {
		t.Fatalf("manifest %s %v", man, err)
	}
	if NewestCheckpoint(out) != filepath.Join(out, "checkpoint-10") {
		t.Fatalf("newest checkpoint %s", NewestCheckpoint(out))
	}
}
