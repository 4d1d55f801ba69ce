package trainer

import (
	"os"
	"strings"
	"testing"
)

func TestLineWriterSplitsLinesAndProgressBars(t *testing.T) {
	var got []string
	w := &lineWriter{fn: func(s string) { got = append(got, s) }}
	w.Write([]byte("first\nsec"))
	w.Write([]byte("ond\n 10%|#   \r 20%|##  \r\n\n"))
	w.Write([]byte(strings.Repeat("x", maxLogLine+10) + "\n"))
	want := []string{"first", "second", " 10%|#   ", " 20%|##  ", strings.Repeat("x", maxLogLine), strings.Repeat("x", 10)}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("lines %q", got)
	}
}

func TestNewestCheckpoint(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{"checkpoint-2", "checkpoint-10", "checkpoint-9", "checkpoint-x", ".checkpoint-12.tmp"} {
		mkdir(t, dir+"/"+d)
	}
	if got := NewestCheckpoint(dir); got != dir+"/checkpoint-10" {
		t.Fatalf("newest %s", got)
	}
	if NewestCheckpoint(t.TempDir()) != "" {
		t.Fatal("empty dir has a checkpoint")
	}
}

func mkdir(t *testing.T, p string) {
	t.Helper()
	if err := os.MkdirAll(p, 0o755); err != nil {
		t.Fatal(err)
	}
}
