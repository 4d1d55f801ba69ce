package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The extload variant runs the idleload variant's synthetic load in a
// process of its own (this program again, with -capture-burn), on a thread
// at idle priority, and stops it (SIGSTOP) outside its own rounds. Against
// idleload it asks whether background computation costs the calls because
// it shares their process (the Go runtime, the address space) or because
// it keeps a second CPU busy at all.
var captureBurn = flag.Bool("capture-burn", false,
	"internal: compute the idleload variant's synthetic load at idle priority until killed (the extload variant starts it)")

// burnUntilKilled is the extload process: the idleload goroutine, always on.
func burnUntilKilled() {
	l := newIdleLoad()
	l.on.Store(true)
	l.run()
}

// extLoad is the running extload process.
type extLoad struct{ cmd *exec.Cmd }

// startExtLoad starts the process, stopped until its rounds.
func startExtLoad() (*extLoad, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self, "-capture-burn", "-capture-idleload-burst", idleLoadBurst.String())
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = extLoadAttr()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("extload: %w", err)
	}
	l := &extLoad{cmd: cmd}
	l.set(false)
	return l, nil
}

// set continues the process while a round of its calls runs and stops it
// otherwise.
func (l *extLoad) set(on bool) {
	sig := syscall.SIGSTOP
	if on {
		sig = syscall.SIGCONT
	}
	l.cmd.Process.Signal(sig)
}

// cpu is the process's CPU time so far (/proc/PID/stat, in clock ticks of
// 10 ms), so that the table's CPU per call includes it.
func (l *extLoad) cpu() time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", l.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:])) // after the command name
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64) // fields 14 and 15 of the whole line
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

func (l *extLoad) stop() {
	l.cmd.Process.Kill()
	l.cmd.Wait()
}
