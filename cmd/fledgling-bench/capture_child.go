package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// With -capture-separate, the capture overhead bench runs each gateway in
// a process of its own, as it is deployed, while the client and the fake
// upstream stay in the bench's process. By default everything shares one
// process: there the gateway's garbage collections and background work
// also stall the client and the upstream, which share its scheduler; in
// separate processes, every hop between client, gateway and upstream wakes
// a thread of another process, which on a small machine costs more.
var (
	captureServe     = flag.String("capture-serve", "", "internal: serve one capture-bench gateway variant in this process and take commands on stdin (the capture section starts it)")
	captureServeDir  = flag.String("capture-serve-dir", "", "internal: with -capture-serve, the gateway's data directory")
	captureServeUp   = flag.String("capture-serve-upstream", "", "internal: with -capture-serve, the fake upstream's URL")
	captureServeSink = flag.String("capture-serve-sink", "", "internal: with -capture-serve, the OTLP sink's URL")
	captureSeparate  = flag.Bool("capture-separate", false, "capture section: run each gateway in a process of its own (default: in the bench's process, with the client and the upstream)")
)

// childStats is what a gateway process reports: its CPU time and the bytes
// it has allocated so far.
type childStats struct {
	cpu   time.Duration
	alloc uint64
}

// serveCaptureChild is the child's side: it serves the variant and answers
// "stats" and "after" (wait for background work, then stats) on stdin
// until stdin closes.
func serveCaptureChild(ctx context.Context) error {
	v, ok := capLookup(*captureServe)
	if !ok {
		return fmt.Errorf("-capture-serve: unknown variant %q", *captureServe)
	}
	cfg, err := capBenchConfig(*captureServeDir, *captureServeUp, *captureServeSink)
	if err != nil {
		return err
	}
	s, closeIt, err := capGateway(ctx, cfg, v)
	if err != nil {
		return err
	}
	defer closeIt()
	fmt.Printf("ready %s\n", s.url)
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		if in.Text() == "after" {
			s.after()
		}
		fmt.Printf("%d %d\n", capCPU(), capAlloc())
	}
	return in.Err()
}

// capChild starts a gateway process for variant v and returns its setup.
func capChild(ctx context.Context, dir, upstream, sink string, v capVariant) (capSetup, func(), error) {
	name := capVariants[v].flag
	cmd := exec.CommandContext(ctx, os.Args[0], "-capture-serve", name, "-capture-serve-dir", filepath.Join(dir, "gw"+name),
		"-capture-serve-upstream", upstream, "-capture-serve-sink", capSink(v, sink))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return capSetup{}, nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return capSetup{}, nil, err
	}
	if err := cmd.Start(); err != nil {
		return capSetup{}, nil, err
	}
	c := &capChildProc{cmd: cmd, in: stdin, out: bufio.NewScanner(stdout)}
	url, err := c.ready()
	if err != nil {
		c.close()
		return capSetup{}, nil, fmt.Errorf("gateway process %s: %w", name, err)
	}
	return capSetup{name: capVariants[v].label, url: url, after: func() { c.ask("after") },
		stats: func() childStats { return c.ask("stats") }}, c.close, nil
}

type capChildProc struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Scanner
}

// ready waits for the child's "ready URL" line (it may print the GC floor
// line first).
func (c *capChildProc) ready() (string, error) {
	for c.out.Scan() {
		if url, ok := strings.CutPrefix(c.out.Text(), "ready "); ok {
			return url, nil
		}
	}
	if err := c.out.Err(); err != nil {
		return "", err
	}
	return "", fmt.Errorf("exited before it served")
}

// ask sends a command and reads the stats line that answers it.
func (c *capChildProc) ask(cmd string) childStats {
	var st childStats
	if _, err := fmt.Fprintln(c.in, cmd); err != nil || !c.out.Scan() {
		return st
	}
	var cpu int64
	fmt.Sscanf(c.out.Text(), "%d %d", &cpu, &st.alloc)
	st.cpu = time.Duration(cpu)
	return st
}

func (c *capChildProc) close() {
	c.in.Close()
	c.cmd.Wait()
}
