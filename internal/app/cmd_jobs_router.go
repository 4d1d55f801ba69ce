package app

import (
	"context"
	"flag"
	"fmt"
	"io"
)

func init() {
	register("jobs router", "queue a learned-router training job: jobs router --route R [--candidate MODEL@VERSION]", runJobsRouter)
}

// runJobsRouter queues a learned_router job (what POST /admin/v1/jobs with
// kind learned_router does); a worker (serve with trainer.enabled, or
// `fledgling trainer worker`) runs it.
func runJobsRouter(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var route, candidate *string
	c, _, ok := jobsCommand(ctx, "jobs router", args, stderr, func(fs *flag.FlagSet) {
		route = fs.String("route", "", "route to train a router for")
		candidate = fs.String("candidate", "", "candidate MODEL@VERSION (default: the route's learned or first candidate)")
	})
	if !ok {
		return 1
	}
	defer c.Close()
	if *route == "" {
		fmt.Fprintln(stderr, "usage: fledgling jobs router --route R [--candidate MODEL@VERSION]")
		return 2
	}
	if _, err := routerJobSpec(c.cfg, *route, *candidate, ""); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	j, err := c.parts.service.TrainRouter(ctx, *route, *candidate)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	fmt.Fprintf(stdout, "%s queued (learned_router, route %s)\nfollow: fledgling jobs logs %s --follow; its last line is the learned_routing.models entry to add\n", j.ID, *route, j.ID)
	return 0
}
