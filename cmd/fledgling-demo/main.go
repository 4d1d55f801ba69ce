// Command fledgling-demo runs Fledgling's closed loop end to end on one
// machine (`make demo`): a traffic SIMULATOR, the gateway in-process on
// embedded defaults, simulated application traffic through the official
// OpenAI client, shadow evaluation, canary promotion, an injected regression
// rolled back, and a training job with the SIMULATED recipe. It then keeps
// the dashboard up until Ctrl-C. See internal/demo.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/fledgling-ai/fledgling/internal/demo"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("fledgling-demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	short := fs.Bool("short", false, "the shortened loop of the end-to-end test (about a minute)")
	dir := fs.String("dir", "./data/demo", "directory for the generated config, the SQLite store and training files (the previous run's are removed)")
	listen := fs.String("listen", "127.0.0.1:8080", "gateway address (falls back to a free port when taken)")
	exit := fs.Bool("exit", false, "exit after the loop instead of keeping the dashboard up")
	verbose := fs.Bool("v", false, "gateway and simulator logs on stderr")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	abs, err := prepareDir(*dir)
	if err != nil {
		fmt.Fprintf(stderr, "fledgling-demo: %v\n", err)
		return 1
	}
	o := demo.Options{Short: *short, Out: stdout, Live: isTerminal(os.Stdout), Dir: abs,
		Listen: freeOr(*listen), KeepServing: !*exit}
	if *verbose {
		o.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	rep, err := demo.Run(ctx, o)
	if ctx.Err() != nil && err != nil {
		return 130 // interrupted during the loop
	}
	if err != nil {
		fmt.Fprintf(stderr, "fledgling-demo: %v\n", err)
		return 1
	}
	if ps := demo.Check(rep); err == nil && len(ps) > 0 {
		return 1
	}
	return 0
}

// prepareDir removes what an earlier run left in dir (only the demo's own
// files, never anything else there), so each run starts fresh.
func prepareDir(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return "", err
	}
	for _, name := range []string{"fledgling.yaml", "fledgling.db", "fledgling.db-wal", "fledgling.db-shm", "spill", "trainer"} {
		if err := os.RemoveAll(filepath.Join(abs, name)); err != nil {
			return "", err
		}
	}
	return abs, nil
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
