package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/fledgling-ai/fledgling/internal/config"
)

func init() {
	register("serve", "run the gateway: serve --config FILE [--listen ADDR]", runServe)
}

func runServe(ctx context.Context, args []string, _, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "configs/fledgling.yaml", "config file")
	listen := fs.String("listen", "", "listen address, overriding server.listen")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg, err := loadServeConfig(*path, *listen)
	if err != nil {
		printConfigError(stderr, *path, err)
		return 1
	}
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: logLevel(cfg.Server.LogLevel)}))
	h, err := Start(ctx, cfg, log)
	if err != nil {
		log.Error("cannot start", "error", err)
		return 1
	}
	if err := h.Wait(); err != nil {
		log.Error("shutdown", "error", err)
		return 1
	}
	return 0
}

// loadServeConfig loads the file and applies --listen, re-validating so the
// auth "none" on a public address check sees the real address.
func loadServeConfig(path, listen string) (*config.Config, error) {
	cfg, err := config.Load(path)
	if cfg == nil || listen == "" {
		return cfg, err
	}
	cfg.Server.Listen = listen
	if ps := cfg.Validate(); len(ps) > 0 {
		return cfg, ps
	}
	return cfg, nil
}

func printConfigError(w io.Writer, path string, err error) {
	var ps config.Problems
	if errors.As(err, &ps) {
		for _, p := range ps {
			fmt.Fprintf(w, "%s: %s\n", p.Path, p.Message)
		}
		fmt.Fprintf(w, "%d problem(s) in %s\n", len(ps), path)
		return
	}
	fmt.Fprintln(w, err)
}

func logLevel(s string) slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return slog.LevelInfo
	}
	return l
}
