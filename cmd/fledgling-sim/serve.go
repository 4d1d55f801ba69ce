package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/fledgling-ai/fledgling/internal/sim"
)

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:9090", "address of the simulated OpenAI API")
	seed := fs.Uint64("seed", 1, "seed of the simulated answers (same seed = same answers on every replica and run)")
	smallAgree := fs.String("small-agreement", "*=0.9", "sim-small's agreement with the ground truth per task, e.g. 'calc=0.97,extract=0.6,*=0.9'")
	largeAgree := fs.String("large-agreement", "*=1", "sim-large's agreement with the ground truth per task")
	largeLat := fs.Duration("large-latency", 300*time.Millisecond, "sim-large mean latency")
	largeJit := fs.Duration("large-jitter", 80*time.Millisecond, "sim-large latency jitter (±)")
	smallLat := fs.Duration("small-latency", 60*time.Millisecond, "sim-small mean latency")
	smallJit := fs.Duration("small-jitter", 20*time.Millisecond, "sim-small latency jitter (±)")
	reasoning := fs.Int64("large-reasoning-tokens", 32, "reasoning tokens sim-large adds to every answer")
	verbose := fs.Bool("v", false, "log every simulated answer")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	large, small := sim.LargeProfile(), sim.SmallProfile()
	var err error
	if large.Agreement, err = sim.ParseAgreement(*largeAgree); err == nil {
		small.Agreement, err = sim.ParseAgreement(*smallAgree)
	}
	if err != nil {
		fmt.Fprintf(stderr, "fledgling-sim: %v\n", err)
		return 2
	}
	large.Latency, large.Jitter, large.ReasoningTokens = *largeLat, *largeJit, *reasoning
	small.Latency, small.Jitter = *smallLat, *smallJit
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	srv, err := sim.NewServer(sim.Config{Seed: *seed, Logger: log,
		Models: map[string]sim.Profile{"sim-large": large, "sim-small": small}})
	if err != nil {
		fmt.Fprintf(stderr, "fledgling-sim: %v\n", err)
		return 1
	}
	return serve(ctx, *listen, srv, log, stdout)
}

func serve(ctx context.Context, listen string, h http.Handler, log *slog.Logger, stdout io.Writer) int {
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		log.Error("simulator: listen", "err", err)
		return 1
	}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(stdout, "fledgling-sim: simulated OpenAI API (sim-large, sim-small) on http://%s/v1\n", ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case <-ctx.Done():
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(shut)
		return 0
	case err := <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			return 0
		}
		log.Error("simulator: serve", "err", err)
		return 1
	}
}
