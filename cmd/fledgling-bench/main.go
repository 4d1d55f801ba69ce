// Command fledgling-bench runs Fledgling's benchmarks and prints each figure
// side by side with its baseline measured in the same run (`make bench`).
// Each section lives in its own file and registers itself; run a subset with
// `go run ./cmd/fledgling-bench -only gateway,capture`.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"sort"
	"strings"
	"time"

	"github.com/fledgling-ai/fledgling/internal/config"
	"github.com/fledgling-ai/fledgling/internal/gctune"
)

// section is one benchmark group, e.g. "gateway" or "capture".
type section struct {
	order int
	run   func(ctx context.Context, quick bool) error
}

var sections = map[string]section{}

// register adds a section; order sorts the output.
func register(name string, order int, run func(ctx context.Context, quick bool) error) {
	sections[name] = section{order: order, run: run}
}

func main() {
	only := flag.String("only", "", "comma-separated sections to run (default all)")
	quick := flag.Bool("quick", false, "shorter runs (smoke test of the harness)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	memprofile := flag.String("memprofile", "", "write a heap profile (allocations of the whole run) to this file at the end")
	flag.Parse()
	if *captureBurn {
		burnUntilKilled() // the extload variant's own process
		return
	}
	if *memprofile != "" {
		defer writeHeapProfile(*memprofile)
	}
	// The service keeps a GC heap floor (server.gc_heap_floor_mb); so does
	// the process that measures it. GOGC / GOMEMLIMIT in the environment
	// turn it off, as they do for the service.
	if t := gctune.Start(uint64(config.DefaultGCHeapFloorMB) << 20); t != nil {
		fmt.Printf("GC heap floor %d MiB (server.gc_heap_floor_mb's default of %d MiB, capped at a quarter of the memory limit)\n", t.Floor()>>20, config.DefaultGCHeapFloorMB)
	}
	if *cpuprofile != "" {
		stopProfile, err := startCPUProfile(*cpuprofile)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		defer stopProfile()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if *captureServe != "" {
		if err := serveCaptureChild(ctx); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	names := make([]string, 0, len(sections))
	for n := range sections {
		if *only == "" || strings.Contains(","+*only+",", ","+n+",") {
			names = append(names, n)
		}
	}
	sort.Slice(names, func(i, j int) bool { return sections[names[i]].order < sections[names[j]].order })
	failed := false
	for _, n := range names {
		fmt.Printf("\n=== %s\n", n)
		start := time.Now()
		if err := sections[n].run(ctx, *quick); err != nil {
			fmt.Printf("section %s failed: %v\n", n, err)
			failed = true
		}
		fmt.Printf("(%s took %s)\n", n, time.Since(start).Round(time.Millisecond))
	}
	if failed {
		stop()
		os.Exit(1)
	}
}

func writeHeapProfile(path string) {
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	defer f.Close()
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
}

func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
