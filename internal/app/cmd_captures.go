package app

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/fledgling-ai/fledgling/internal/capture"
	"github.com/fledgling-ai/fledgling/internal/config"
	"github.com/fledgling-ai/fledgling/internal/store"
)

func init() {
	register("captures tail", "show the latest captured calls (--follow to keep watching)", runCapturesTail)
	register("captures export", "write captured calls as JSON lines (filter by route, model, time)", runCapturesExport)
}

// captureFlags are the filters both subcommands share.
type captureFlags struct {
	config, route, model, from, to string
}

func (c *captureFlags) bind(fs *flag.FlagSet) {
	fs.StringVar(&c.config, "config", "configs/fledgling.yaml", "config file (its storage.dsn is read)")
	fs.StringVar(&c.route, "route", "", "only this route")
	fs.StringVar(&c.model, "model", "", "only this (answering) model")
	fs.StringVar(&c.from, "from", "", "from this time (RFC 3339, or a duration ago such as 24h)")
	fs.StringVar(&c.to, "to", "", "before this time (RFC 3339, or a duration ago)")
}

func (c *captureFlags) filter() (capture.Filter, error) {
	q := url.Values{"route": {c.route}, "model": {c.model}, "from": {c.from}, "to": {c.to}}
	return capture.ParseFilter(q, time.Now())
}

// openCaptures opens the store named by the config file.
func openCaptures(ctx context.Context, path string) (*capture.Store, func(), error) {
	cfg, err := config.Load(path)
	if err != nil && !onlyOtherProblems(err) {
		return nil, nil, err
	}
	db, err := store.Open(ctx, cfg.Storage.DSN)
	if err != nil {
		return nil, nil, err
	}
	st, err := capture.Open(ctx, db)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return st, func() { db.Close() }, nil
}

func runCapturesTail(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("captures tail", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cf captureFlags
	cf.bind(fs)
	n := fs.Int("n", 20, "how many of the latest records to show first")
	follow := fs.Bool("follow", false, "keep printing new records as they are written")
	asJSON := fs.Bool("json", false, "print whole records as JSON lines")
	every := fs.Duration("interval", time.Second, "poll interval with --follow")
	if fs.Parse(args) != nil {
		return 2
	}
	f, err := cf.filter()
	if err != nil {
		fmt.Fprintln(stderr, "captures tail:", err)
		return 2
	}
	st, closeDB, err := openCaptures(ctx, cf.config)
	if err != nil {
		fmt.Fprintln(stderr, "captures tail:", err)
		return 1
	}
	defer closeDB()
	f.Limit, f.Newest = *n, true
	print := func(r *capture.Record) { printCapture(stdout, r, *asJSON) }
	if err := tail(ctx, st, f, *follow, *every, print); err != nil {
		fmt.Fprintln(stderr, "captures tail:", err)
		return 1
	}
	return 0
}

// tail prints the newest records, then (following) everything after them.
func tail(ctx context.Context, st *capture.Store, f capture.Filter, follow bool, every time.Duration, print func(*capture.Record)) error {
	for {
		recs, err := st.Query(ctx, f)
		if err != nil {
			return err
		}
		for _, r := range recs {
			print(r)
		}
		if len(recs) > 0 {
			f.AfterID = recs[len(recs)-1].ID
		}
		if !follow {
			return nil
		}
		f.Newest, f.Limit = false, capture.MaxLimit
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(every):
		}
	}
}

func printCapture(w io.Writer, r *capture.Record, asJSON bool) {
	if asJSON {
		b, _ := json.Marshal(r)
		fmt.Fprintf(w, "%s\n", b)
		return
	}
	model := r.AnsweringModel
	if model == "" {
		model = r.RequestedModel
	}
	fmt.Fprintf(w, "%s  %-24s %-10s %-18s %-20s %3d %6dms in=%s out=%s cost=%dµ$ %s\n",
		r.Time.UTC().Format(time.RFC3339), r.ID, r.Kind, r.Route, model, r.Status, r.Latency.Milliseconds(),
		countStr(r.Usage.Input.Get()), countStr(r.Usage.Output.Get()), r.CostMicros, r.ErrorClass)
}

func countStr(n int64, ok bool) string {
	if !ok {
		return "-"
	}
	return fmt.Sprint(n)
}

func runCapturesExport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("captures export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cf captureFlags
	cf.bind(fs)
	out := fs.String("out", "-", "output file (- for stdout)")
	if fs.Parse(args) != nil {
		return 2
	}
	f, err := cf.filter()
	if err != nil {
		fmt.Fprintln(stderr, "captures export:", err)
		return 2
	}
	st, closeDB, err := openCaptures(ctx, cf.config)
	if err != nil {
		fmt.Fprintln(stderr, "captures export:", err)
		return 1
	}
	defer closeDB()
	n, err := export(ctx, st, f, *out, stdout)
	if err != nil {
		fmt.Fprintln(stderr, "captures export:", err)
		return 1
	}
	fmt.Fprintf(stderr, "exported %d capture(s)\n", n)
	return 0
}

// export writes every matching record as one JSON line.
func export(ctx context.Context, st *capture.Store, f capture.Filter, path string, stdout io.Writer) (int, error) {
	w := stdout
	if path != "-" {
		file, err := os.Create(path)
		if err != nil {
			return 0, err
		}
		defer file.Close()
		w = file
	}
	enc := json.NewEncoder(w)
	n := 0
	err := st.Scan(ctx, f.Route, f.From, f.To, func(r *capture.Record) error {
		if f.Model != "" && r.AnsweringModel != f.Model && (r.AnsweringModel != "" || r.RequestedModel != f.Model) {
			return nil
		}
		n++
		return enc.Encode(r)
	})
	return n, err
}

// onlyOtherProblems reports whether err lists config problems none of which
// concern storage: reading captures needs nothing else from the file.
func onlyOtherProblems(err error) bool {
	var ps config.Problems
	if !errors.As(err, &ps) {
		return false
	}
	for _, p := range ps {
		if strings.HasPrefix(p.Path, "storage") {
			return false
		}
	}
	return true
}
