package app

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// The promotion CLI talks to a running gateway's admin API, so every action
// goes through the same recorded path as an API call.
func init() {
	for _, a := range []struct{ name, summary string }{
		{"pin", "hold a route's candidate at a share: routes pin ROUTE --share 0.1 [--model M] --operator NAME"},
		{"pause", "freeze a route's candidate where it is: routes pause ROUTE --operator NAME"},
		{"resume", "undo pause/pin: routes resume ROUTE --operator NAME"},
		{"promote", "force-promote a route's candidate to all traffic: routes promote ROUTE --operator NAME"},
		{"rollback", "force-rollback a route's candidate: routes rollback ROUTE --operator NAME"},
		{"history", "print a route's promotion transitions: routes history ROUTE [--limit N]"},
	} {
		action := a.name
		register("routes "+action, a.summary, func(ctx context.Context, args []string, stdout, stderr io.Writer) int {
			return runRoutesAction(ctx, action, args, stdout, stderr)
		})
	}
}

type adminFlags struct {
	addr, key, model, version, operator, reason *string
	share                                       *float64
	limit                                       *int
}

func newAdminFlags(fs *flag.FlagSet) adminFlags {
	return adminFlags{
		addr:     fs.String("addr", envOr("FLEDGLING_URL", "http://127.0.0.1:8080"), "gateway base URL (env FLEDGLING_URL)"),
		key:      fs.String("admin-key", os.Getenv("FLEDGLING_ADMIN_KEY"), "admin key (env FLEDGLING_ADMIN_KEY)"),
		model:    fs.String("model", "", "candidate model (needed when the route has several)"),
		version:  fs.String("version", "", "candidate version"),
		operator: fs.String("operator", os.Getenv("USER"), "who is acting (recorded)"),
		reason:   fs.String("reason", "", "why (recorded)"),
		share:    fs.Float64("share", 0, "pin: share of traffic 0..1 for the candidate (0 = primary only)"),
		limit:    fs.Int("limit", 50, "history: number of transitions"),
	}
}

func runRoutesAction(ctx context.Context, action string, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("routes "+action, flag.ContinueOnError)
	fs.SetOutput(stderr)
	f := newAdminFlags(fs)
	route := ""
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		route, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if route == "" {
		route = fs.Arg(0)
	}
	if route == "" {
		fmt.Fprintf(stderr, "usage: fledgling routes %s ROUTE [flags]\n", action)
		return 2
	}
	req, err := f.request(ctx, action, route)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	return doAdmin(req, action, stdout, stderr)
}

func (f adminFlags) request(ctx context.Context, action, route string) (*http.Request, error) {
	base := strings.TrimRight(*f.addr, "/") + "/admin/v1/routes/" + url.PathEscape(route) + "/"
	var req *http.Request
	var err error
	if action == "history" {
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%shistory?limit=%d", base, *f.limit), nil)
	} else {
		body, _ := json.Marshal(map[string]any{"model": *f.model, "version": *f.version, "share": *f.share,
			"operator": *f.operator, "reason": *f.reason})
		req, err = http.NewRequestWithContext(ctx, http.MethodPost, base+action, bytes.NewReader(body))
	}
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if *f.key != "" {
		req.Header.Set("Authorization", "Bearer "+*f.key)
	}
	return req, nil
}

func doAdmin(req *http.Request, action string, stdout, stderr io.Writer) int {
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		fmt.Fprintf(stderr, "fledgling routes %s: %v\n", action, err)
		return 1
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		fmt.Fprintf(stderr, "fledgling routes %s: HTTP %d: %s\n", action, resp.StatusCode, strings.TrimSpace(string(body)))
		return 1
	}
	if action == "history" {
		return printHistory(body, stdout, stderr)
	}
	var tr struct{ From, To, Actor, Reason string }
	_ = json.Unmarshal(body, &tr)
	fmt.Fprintf(stdout, "%s → %s (%s: %s)\n", tr.From, tr.To, tr.Actor, tr.Reason)
	return 0
}

func printHistory(body []byte, stdout, stderr io.Writer) int {
	var h struct {
		Transitions []struct {
			At                                      time.Time
			Model, Version, From, To, Actor, Reason string
			Share                                   float64
		}
	}
	if err := json.Unmarshal(body, &h); err != nil {
		fmt.Fprintf(stderr, "decode history: %v\n", err)
		return 1
	}
	for _, t := range h.Transitions {
		fmt.Fprintf(stdout, "%s  %s@%s  %s → %s  share %.0f%%  %s  %s\n", t.At.UTC().Format(time.RFC3339), t.Model, t.Version,
			orDash(t.From), t.To, t.Share*100, t.Actor, t.Reason)
	}
	return 0
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
