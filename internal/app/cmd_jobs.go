package app

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/fledgling-ai/fledgling/trainer"
)

func init() {
	register("jobs", "training jobs: jobs list|show|logs|cancel --config FILE", runJobsHelp)
	register("jobs list", "list training jobs: jobs list [--route R] [--limit N]", runJobsList)
	register("jobs show", "show a training job: jobs show ID", runJobsShow)
	register("jobs logs", "print a training job's log: jobs logs ID [--follow]", runJobsLogs)
	register("jobs cancel", "cancel a training job: jobs cancel ID", runJobsCancel)
}

func runJobsHelp(_ context.Context, _ []string, stdout, _ io.Writer) int {
	fmt.Fprintln(stdout, "usage: fledgling jobs list|show|logs|cancel [--config FILE] ...")
	return 0
}

// jobsCommand parses --config plus extra flags and opens the trainer.
func jobsCommand(ctx context.Context, name string, args []string, stderr io.Writer, extra func(*flag.FlagSet)) (*trainerCLI, *flag.FlagSet, bool) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "configs/fledgling.yaml", "config file")
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(reorderFlags(args)); err != nil {
		return nil, nil, false
	}
	c, ok := openTrainerCLI(ctx, *path, slog.New(slog.NewTextHandler(io.Discard, nil)), stderr)
	return c, fs, ok
}

// reorderFlags moves positional arguments after the flags, so "jobs show ID
// --config F" works as well as "jobs show --config F ID".
func reorderFlags(args []string) []string {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case len(a) > 1 && a[0] == '-':
			flags = append(flags, a)
			if !containsEq(a) && i+1 < len(args) && !isBoolFlag(a) {
				flags = append(flags, args[i+1])
				i++
			}
		default:
			pos = append(pos, a)
		}
	}
	return append(flags, pos...)
}

func containsEq(s string) bool {
	for _, r := range s {
		if r == '=' {
			return true
		}
	}
	return false
}

func isBoolFlag(a string) bool {
	return a == "--follow" || a == "-follow" || a == "-f" || a == "--json" || a == "-json"
}

func runJobsList(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var route *string
	var limit *int
	c, _, ok := jobsCommand(ctx, "jobs list", args, stderr, func(fs *flag.FlagSet) {
		route = fs.String("route", "", "only this route")
		limit = fs.Int("limit", 50, "most recent N jobs")
	})
	if !ok {
		return 1
	}
	defer c.Close()
	jobs, err := c.parts.service.Jobs.List(ctx, *route, *limit)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	fmt.Fprintf(stdout, "%-38s %-14s %-10s %-12s %11s %8s %-8s %s\n", "ID", "ROUTE", "STATE", "REASON", "STEP", "LOSS", "ATTEMPTS", "CREATED")
	for _, j := range jobs {
		fmt.Fprintf(stdout, "%-38s %-14s %-10s %-12s %5d/%-5d %8.4f %-8d %s\n", j.ID, j.Route, j.State, j.Reason,
			j.Step, j.TotalSteps, j.Loss, j.Attempts, j.Created.Format(time.RFC3339))
	}
	return 0
}

func runJobsShow(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c, fs, ok := jobsCommand(ctx, "jobs show", args, stderr, nil)
	if !ok {
		return 1
	}
	defer c.Close()
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: fledgling jobs show ID")
		return 2
	}
	j, err := c.parts.service.Jobs.Get(ctx, fs.Arg(0))
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	b, _ := json.MarshalIndent(j, "", "  ")
	fmt.Fprintln(stdout, string(b))
	return 0
}

func runJobsLogs(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var follow *bool
	c, fs, ok := jobsCommand(ctx, "jobs logs", args, stderr, func(fs *flag.FlagSet) {
		follow = fs.Bool("follow", false, "keep printing new lines until the job ends")
	})
	if !ok {
		return 1
	}
	defer c.Close()
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: fledgling jobs logs ID [--follow]")
		return 2
	}
	if err := printJobLogs(ctx, c.parts.service.Jobs, fs.Arg(0), *follow, stdout); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return 0
}

func printJobLogs(ctx context.Context, jobs *trainer.Jobs, id string, follow bool, w io.Writer) error {
	var after int64
	for {
		lines, err := jobs.Logs(ctx, id, after, 1000)
		if err != nil {
			return err
		}
		for _, l := range lines {
			fmt.Fprintf(w, "%s #%d %-8s %s\n", l.Time.Format("15:04:05.000"), l.Attempt, l.Stream, l.Line)
			after = l.Seq
		}
		if len(lines) == 1000 {
			continue
		}
		if !follow {
			return nil
		}
		j, err := jobs.Get(ctx, id)
		if err != nil {
			return err
		}
		if j.State.Terminal() {
			fmt.Fprintf(w, "job %s %s %s\n", j.ID, j.State, j.Error)
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Second):
		}
	}
}

func runJobsCancel(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c, fs, ok := jobsCommand(ctx, "jobs cancel", args, stderr, nil)
	if !ok {
		return 1
	}
	defer c.Close()
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: fledgling jobs cancel ID")
		return 2
	}
	j, err := c.parts.service.Jobs.Cancel(ctx, fs.Arg(0))
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if j.State == trainer.Cancelled {
		fmt.Fprintf(stdout, "job %s cancelled\n", j.ID)
	} else {
		fmt.Fprintf(stdout, "job %s: cancel requested; its worker stops it at the next heartbeat\n", j.ID)
	}
	return 0
}
