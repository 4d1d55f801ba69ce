package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"time"

	"github.com/fledgling-ai/fledgling/internal/sim"
)

func runDrive(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("drive", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg sim.DriverConfig
	fs.StringVar(&cfg.BaseURL, "base-url", "http://127.0.0.1:8080/v1", "OpenAI base URL to drive (a Fledgling gateway)")
	fs.StringVar(&cfg.APIKey, "api-key", "sim", "bearer token (a Fledgling virtual key)")
	fs.StringVar(&cfg.Model, "model", "sim-large", "model to request")
	fs.IntVar(&cfg.Requests, "requests", 200, "requests to send (0 = until -duration or Ctrl-C)")
	fs.DurationVar(&cfg.Duration, "duration", 0, "stop after this long (0 = no limit)")
	fs.Float64Var(&cfg.Rate, "rate", 10, "requests per second (0 = as fast as -concurrency allows)")
	fs.IntVar(&cfg.Concurrency, "concurrency", 4, "requests in flight")
	fs.IntVar(&cfg.Users, "users", 50, "number of sticky simulated user ids")
	fs.Float64Var(&cfg.StreamShare, "stream", 0.3, "share of streaming requests, 0..1")
	fs.Uint64Var(&cfg.Seed, "seed", 1, "seed of the request sequence")
	fs.IntVar(&cfg.MaxRetries, "max-retries", 0, "official client retries (0 shows every failure)")
	fs.StringVar(&cfg.TaskHeader, "task-header", "", "header carrying the task name on every request (e.g. x-sim-task), for per-task routes")
	mix := fs.String("mix", "", "task weights, e.g. 'calc=2,extract=1' (default: all tasks equally)")
	asJSON := fs.Bool("json", false, "print the final summary as JSON")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *mix != "" {
		m, err := parseMix(*mix)
		if err != nil {
			fmt.Fprintf(stderr, "fledgling-sim: %v\n", err)
			return 2
		}
		cfg.Mix = m
	}
	var sent, failed atomic.Int64
	cfg.OnResult = func(r sim.Result) {
		n := sent.Add(1)
		if !r.OK() {
			failed.Add(1)
		}
		if n%50 == 0 {
			fmt.Fprintf(stdout, "simulator traffic: %d sent, %d failed\n", n, failed.Load())
		}
	}
	d, err := sim.NewDriver(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "fledgling-sim: %v\n", err)
		return 2
	}
	start := time.Now()
	sum := d.Run(ctx)
	return report(sum, time.Since(start), *asJSON, stdout)
}

func report(sum sim.Summary, took time.Duration, asJSON bool, stdout io.Writer) int {
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(sum)
	} else {
		fmt.Fprintf(stdout, "%s in %s\n", sum, took.Round(time.Millisecond))
		for task, ts := range sum.ByTask {
			fmt.Fprintf(stdout, "  %-9s sent=%d ok=%d correct=%d by-model=%v\n", task, ts.Sent, ts.OK, ts.Correct, ts.ByModel)
		}
		for _, f := range sum.Failures {
			fmt.Fprintf(stdout, "  failed: seq=%d task=%s status=%d %s\n", f.Seq, f.Task, f.Status, f.Err)
		}
	}
	if sum.Failed > 0 {
		return 1
	}
	return 0
}

func parseMix(s string) (map[string]float64, error) {
	out := map[string]float64{}
	for _, part := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		var w float64
		if _, err := fmt.Sscanf(v, "%g", &w); !ok || err != nil || w < 0 {
			return nil, fmt.Errorf("mix %q: want task=weight", part)
		}
		out[strings.TrimSpace(k)] = w
	}
	return out, nil
}

func runTasks(stdout, stderr io.Writer) int {
	w, err := sim.LoadWorkload()
	if err != nil {
		fmt.Fprintf(stderr, "fledgling-sim: %v\n", err)
		return 1
	}
	fmt.Fprintln(stdout, "simulated workload (BFCL subset, Apache-2.0):")
	for _, t := range w.Info() {
		fmt.Fprintf(stdout, "  %-9s kind=%-5s items=%3d tools=%2d task_key=%s\n", t.Name, t.Kind, t.Items, t.Tools, t.Key)
	}
	return 0
}
