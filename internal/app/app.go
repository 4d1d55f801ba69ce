// Package app wires Fledgling's parts together and runs the command line.
// It holds no business logic: each subcommand lives in its own cmd_*.go file
// and registers itself, and serve builds each component in its own wire_*.go.
package app

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Version is set at build time with -ldflags "-X .../internal/app.Version=…".
var Version = "dev"

// command is one subcommand. Its run returns the process exit code.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) int
}

var commands = map[string]command{}

// register adds a subcommand; each cmd_*.go calls it from init.
func register(name, summary string, run func(ctx context.Context, args []string, stdout, stderr io.Writer) int) {
	commands[name] = command{summary: summary, run: run}
}

// Main runs the command line and returns the exit code.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		return 0
	}
	name, rest := args[0], args[1:]
	// Two-word commands such as "trainer worker" and "captures tail".
	if len(rest) > 0 {
		if c, ok := commands[name+" "+rest[0]]; ok {
			return c.run(ctx, rest[1:], stdout, stderr)
		}
	}
	c, ok := commands[name]
	if !ok {
		fmt.Fprintf(stderr, "fledgling: unknown command %q\n\n", strings.Join(args[:1], " "))
		usage(stderr)
		return 2
	}
	return c.run(ctx, rest, stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: fledgling COMMAND [flags]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-18s %s\n", n, commands[n].summary)
	}
}
