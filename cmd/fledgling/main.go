// Command fledgling is the OpenAI-compatible gateway that proves, on live
// traffic, when a small model can take over from a large one.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/fledgling-ai/fledgling/internal/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(app.Main(ctx, os.Args[1:], os.Stdout, os.Stderr))
}
