// Command fledgling-sim is Fledgling's traffic SIMULATOR on the command line:
// it serves simulated models ("sim-large", "sim-small") over the OpenAI wire
// format, and/or drives a simulated BFCL workload through any OpenAI base URL
// (usually a Fledgling gateway) with the official openai-go client. It is a
// simulator, not a model: answers are ground truth or deliberate mistakes.
//
//	fledgling-sim serve -listen 127.0.0.1:9090 -small-agreement 'calc=0.97,extract=0.6,*=0.9'
//	fledgling-sim drive -base-url http://127.0.0.1:8080/v1 -requests 500 -rate 20
//	fledgling-sim tasks
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout)
		return 0
	}
	switch args[0] {
	case "serve":
		return runServe(ctx, args[1:], stdout, stderr)
	case "drive":
		return runDrive(ctx, args[1:], stdout, stderr)
	case "tasks":
		return runTasks(stdout, stderr)
	}
	fmt.Fprintf(stderr, "fledgling-sim: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprint(w, `usage: fledgling-sim COMMAND [flags]

Fledgling's traffic simulator (simulated models and simulated traffic; no real LLM).

commands:
  serve   serve simulated models sim-large and sim-small over the OpenAI API
          (control: POST /sim/quality, POST /sim/fault, GET /sim/stats, GET /sim/tasks)
  drive   send the simulated BFCL workload through an OpenAI base URL (official openai-go client)
  tasks   list the simulated workload's tasks and their task keys

run "fledgling-sim COMMAND -h" for a command's flags.
`)
}
