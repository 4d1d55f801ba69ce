package app

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/fledgling-ai/fledgling/internal/capture"
	"github.com/fledgling-ai/fledgling/trainer"
)

func init() {
	register("dataset export", "build a fine-tuning dataset from a route's captures: dataset export --route R [--out FILE]", runDatasetExport)
}

func runDatasetExport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("dataset export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "configs/fledgling.yaml", "config file")
	route := fs.String("route", "", "route whose captures become the dataset (required)")
	out := fs.String("out", "", "also copy one split to this file")
	split := fs.String("split", "train", "split copied to --out: train, validation or test")
	format := fs.String("format", "openai", "format copied to --out: openai or neutral")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *route == "" || (*format != "openai" && *format != "neutral") {
		fmt.Fprintln(stderr, "dataset export: --route is required; --format is openai or neutral")
		return 2
	}
	c, ok := openTrainerCLI(ctx, *path, slog.New(slog.NewTextHandler(io.Discard, nil)), stderr)
	if !ok {
		return 1
	}
	defer c.Close()
	total, _ := c.parts.captures.Count(ctx, capture.Filter{Route: *route})
	bar := &progressBar{w: stderr, total: total, start: time.Now()}
	ds, err := c.parts.service.Builder.Build(ctx, *route, bar.update)
	bar.done()
	if err != nil {
		fmt.Fprintf(stderr, "dataset export: %v\n", err)
		return 1
	}
	printDatasetSummary(stdout, ds)
	if *out != "" {
		if err := copyFile(ds.Path(*split, *format), *out); err != nil {
			fmt.Fprintf(stderr, "dataset export: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "wrote %s split (%s format) to %s\n", *split, *format, *out)
	}
	return 0
}

// progressBar draws "[#####-----] 512/1024 captures, 300 kept" on one line.
type progressBar struct {
	w       io.Writer
	total   int64
	start   time.Time
	kept    int
	scanned int
}

func (p *progressBar) update(scanned, kept int) {
	p.kept, p.scanned = kept, scanned
	const width = 30
	frac := 1.0
	if p.total > 0 {
		frac = min(float64(scanned)/float64(p.total), 1)
	}
	n := int(frac * width)
	fmt.Fprintf(p.w, "\r[%s%s] %d/%d captures, %d kept, %s", strings.Repeat("#", n), strings.Repeat("-", width-n),
		scanned, p.total, kept, time.Since(p.start).Round(time.Millisecond))
}

func (p *progressBar) done() {
	if int64(p.scanned) != p.total {
		p.update(int(p.total), p.kept)
	}
	fmt.Fprintln(p.w)
}

func printDatasetSummary(w io.Writer, ds *trainer.Dataset) {
	m := ds.Manifest
	c := m.Counts
	fmt.Fprintf(w, "dataset %s (route %s, version %d)\n", ds.ID, ds.Route, ds.Version)
	from := m.Window.From.Format(time.RFC3339)
	if m.Window.From.Unix() == 0 {
		from = "(all retained)"
	}
	fmt.Fprintf(w, "  window      %s .. %s\n", from, m.Window.To.Format(time.RFC3339))
	fmt.Fprintf(w, "  scanned     %d\n", c.Scanned)
	fmt.Fprintf(w, "  dropped     error %d, truncated %d, not chat %d, candidate %d, failed checks %d, invalid %d\n",
		c.Errors, c.Truncated, c.NotChat, c.Candidate, c.FailedChecks, c.Invalid)
	fmt.Fprintf(w, "  duplicates  exact %d, near %d\n", c.DupExact, c.DupNear)
	fmt.Fprintf(w, "  kept        %d in %d task keys\n", c.Kept, len(m.TaskKeys))
	fmt.Fprintf(w, "  split       train %d, validation %d, test %d (%d frozen earlier)\n", c.Train, c.Validation, c.Test, c.TestFrozen)
	names := make([]string, 0, len(m.Files))
	for n := range m.Files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		f := m.Files[n]
		fmt.Fprintf(w, "  %-26s %6d lines  sha256 %s\n", n, f.Lines, f.SHA256[:16])
	}
	fmt.Fprintf(w, "  content hash %s\n  directory    %s\n", m.ContentHash, ds.Dir)
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, b, 0o644)
}
