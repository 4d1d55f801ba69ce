package main

import (
	"bytes"
	"context"
	"net"
	"strings"
	"testing"
	"time"
)

// serve and drive work together end to end on the command line.
func TestServeAndDrive(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	var out, errb bytes.Buffer
	go func() {
		done <- run(ctx, []string{"serve", "-listen", addr, "-large-latency", "0", "-large-jitter", "0",
			"-small-latency", "0", "-small-jitter", "0"}, &out, &errb)
	}()
	var dout bytes.Buffer
	var code int
	for i := 0; i < 50; i++ { // wait for the listener
		dout.Reset()
		if code = run(context.Background(), []string{"drive", "-base-url", "http://" + addr + "/v1", "-requests", "20",
			"-rate", "0", "-mix", "calc=1,extract=1"}, &dout, &errb); code == 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	if code != 0 || !strings.Contains(dout.String(), "sent=20 ok=20 failed=0 correct=20") {
		t.Fatalf("drive exit %d:\n%s\n%s", code, dout.String(), errb.String())
	}
	if c := <-done; c != 0 {
		t.Fatalf("serve exit %d: %s", c, errb.String())
	}
	var tout bytes.Buffer
	if run(context.Background(), []string{"tasks"}, &tout, &errb) != 0 || !strings.Contains(tout.String(), "extract") {
		t.Fatalf("tasks: %s", tout.String())
	}
}
