package capture

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fledgling-ai/fledgling/internal/store"
)

const crashFlush = 100 * time.Millisecond

// TestKill9LosesAtMostTheLastFlushInterval runs a writer in a child process,
// kills it with SIGKILL mid-traffic, and checks that every record it
// acknowledged more than a flush interval (plus a margin for a loaded
// machine) before the kill is in the database.
func TestKill9LosesAtMostTheLastFlushInterval(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChildProcess$")
	cmd.Env = append(os.Environ(), "CAPTURE_CRASH_DIR="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := map[string]time.Time{}
	sc := bufio.NewScanner(out)
	deadline := time.Now().Add(1500 * time.Millisecond)
	for sc.Scan() {
		if id, ok := strings.CutPrefix(sc.Text(), "acked "); ok {
			acked[id] = time.Now()
		}
		if time.Now().After(deadline) && len(acked) > 200 {
			break
		}
	}
	killed := time.Now()
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()

	db, err := store.Open(context.Background(), "sqlite://"+filepath.Join(dir, "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s, _ := Open(context.Background(), db)
	margin := crashFlush + 400*time.Millisecond
	lost, lostOld := 0, 0
	for id, at := range acked {
		if _, err := s.Get(context.Background(), id); err != nil {
			lost++
			if killed.Sub(at) > margin {
				lostOld++
			}
		}
	}
	if lostOld > 0 {
		t.Fatalf("%d records acknowledged more than %v before kill -9 were lost", lostOld, margin)
	}
	t.Logf("kill -9 after %d acknowledged records: %d lost, all within the last %v", len(acked), lost, margin)
}

// TestCrashChildProcess is the child of the kill -9 test: it records a
// record every millisecond and prints each id once Record returned.
func TestCrashChildProcess(t *testing.T) {
	dir := os.Getenv("CAPTURE_CRASH_DIR")
	if dir == "" {
		t.Skip("helper process of TestKill9LosesAtMostTheLastFlushInterval")
	}
	db, err := store.Open(context.Background(), "sqlite://"+filepath.Join(dir, "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	w, err := NewWriter(s, Options{FlushInterval: crashFlush, SpillDir: filepath.Join(dir, "spill")})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		r := testRecord(i, "chat", "m")
		w.Record(r)
		fmt.Printf("acked %s\n", r.ID)
		time.Sleep(time.Millisecond)
	}
}
