package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/fledgling-ai/fledgling/internal/config"
)

func init() {
	register("version", "print the version", runVersion)
	register("validate", "check a config file and print every problem with its YAML path", runValidate)
}

func runVersion(_ context.Context, _ []string, stdout, _ io.Writer) int {
	fmt.Fprintf(stdout, "fledgling %s\n", Version)
	return 0
}

func runValidate(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "configs/fledgling.yaml", "config file")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg, err := config.Load(*path)
	if err == nil {
		err = checkLearned(cfg) // policy learned needs ONNX Runtime and its models
	}
	var ps config.Problems
	switch {
	case errors.As(err, &ps):
		for _, p := range ps {
			fmt.Fprintf(stderr, "%s: %s\n", p.Path, p.Message)
		}
		fmt.Fprintf(stderr, "%d problem(s) in %s\n", len(ps), *path)
		return 1
	case err != nil:
		fmt.Fprintf(stderr, "%v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "%s: ok\n", *path)
	return 0
}
