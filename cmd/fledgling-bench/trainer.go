package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/fledgling-ai/fledgling/internal/capture"
	"github.com/fledgling-ai/fledgling/internal/config"
	"github.com/fledgling-ai/fledgling/internal/openai"
	"github.com/fledgling-ai/fledgling/internal/redact"
	"github.com/fledgling-ai/fledgling/internal/store"
	"github.com/fledgling-ai/fledgling/trainer"
)

func init() { register("trainer", 70, runTrainerBench) }

// runTrainerBench measures dataset export from the capture store (SQLite):
// the full pipeline (selection, redaction, exact + near de-duplication,
// line validation, stratified split, two formats, manifest, files stored
// in the database) against its baseline, just reading the same captures.
func runTrainerBench(ctx context.Context, quick bool) error {
	n := 20000
	if quick {
		n = 3000
	}
	dir, err := os.MkdirTemp("", "fledgling-trainer-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	db, err := store.Open(ctx, "sqlite://"+filepath.Join(dir, "bench.db"))
	if err != nil {
		return err
	}
	defer db.Close()
	caps, err := fillCaptures(ctx, db, dir, n)
	if err != nil {
		return err
	}
	if err := trainer.Migrate(ctx, db); err != nil {
		return err
	}
	start := time.Now()
	read := 0
	if err := caps.Scan(ctx, "bench", time.Unix(0, 0), time.Now().Add(time.Hour), func(*capture.Record) error { read++; return nil }); err != nil {
		return err
	}
	scan := time.Since(start)
	near := true
	b := &trainer.Builder{DB: db, Source: caps, WorkDir: filepath.Join(dir, "work"), Redactor: redact.New(config.Redaction{Builtins: []string{"email"}}),
		Options: config.TrainerDataset{NearDedup: &near, ValidationFraction: 0.1, TestFraction: 0.1, Seed: 1}}
	start = time.Now()
	ds, err := b.Build(ctx, "bench", nil)
	if err != nil {
		return err
	}
	build := time.Since(start)
	c := ds.Manifest.Counts
	fmt.Printf("%-44s %10s %14s\n", "dataset export, "+fmt.Sprint(n)+" captures", "time", "captures/s")
	fmt.Printf("%-44s %10s %14.0f\n", "baseline: read captures only", scan.Round(time.Millisecond), float64(read)/scan.Seconds())
	fmt.Printf("%-44s %10s %14.0f\n", "full export (redact, dedup, split, write)", build.Round(time.Millisecond), float64(c.Scanned)/build.Seconds())
	fmt.Printf("kept %d (train %d, validation %d, test %d), near duplicates %d, exact %d\n",
		c.Kept, c.Train, c.Validation, c.Test, c.DupNear, c.DupExact)
	return nil
}

// fillCaptures writes n tool-calling chat captures through the capture
// writer; every tenth repeats the previous prompt, half of those exactly and
// half with another reference number (a near duplicate).
func fillCaptures(ctx context.Context, db *store.DB, dir string, n int) (*capture.Store, error) {
	caps, err := capture.Open(ctx, db)
	if err != nil {
		return nil, err
	}
	w, err := capture.NewWriter(caps, capture.Options{SpillDir: filepath.Join(dir, "spill"), Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		return nil, err
	}
	t0 := time.Now().Add(-time.Hour)
	for i := 0; i < n; i++ {
		k := i - i%10/9 // every tenth repeats the previous prompt
		body, _ := json.Marshal(map[string]any{"model": "gpt-4o", "messages": []map[string]string{
			{"role": "system", "content": fmt.Sprintf("You are agent %c.", 'a'+k%5)},
			{"role": "user", "content": fmt.Sprintf("Look up order %s (ref %d) for jane%d@example.com", benchWord(k), ref(i, k), k)}},
			"tools": []map[string]any{{"type": "function", "function": map[string]any{"name": "lookup_order",
				"parameters": map[string]any{"type": "object", "properties": map[string]any{"id": map[string]string{"type": "string"}}}}}}})
		w.Record(&capture.Record{ID: fmt.Sprintf("b-%d", i), Time: t0.Add(time.Duration(i) * time.Millisecond), Kind: capture.KindChat,
			Route: "bench", TaskKey: openai.TaskKey(body), Request: body, Status: 200,
			Response: openai.Message{ToolCalls: []openai.ToolCall{{ID: "c1", Type: "function", Name: "lookup_order",
				Arguments: fmt.Sprintf(`{"id":%q}`, benchWord(k))}}}})
	}
	return caps, w.Close(ctx)
}

func ref(i, k int) int {
	if i%20 == 19 {
		return i
	}
	return k
}

func benchWord(i int) string {
	s := ""
	for ; ; i /= 26 {
		s = string(rune('a'+i%26)) + s
		if i < 26 {
			return s
		}
	}
}
