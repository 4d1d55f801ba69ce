package capture

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// journal is the append-only spill file records go to while the database is
// unreachable or the queue is full. It is a directory of JSON-lines segments:
// appends go to the open segment; replay first seals it, so appends made
// during a replay land in a new segment. A segment is removed only after all
// its records are committed; replaying it again after a crash is harmless
// because inserts skip ids already stored.
type journal struct {
	dir string

	mu      sync.Mutex
	f       *os.File
	seq     int
	pending atomic.Int64 // records appended and not yet replayed
}

const segmentSuffix = ".jsonl"

func openJournal(dir string) (*journal, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("capture spill dir: %w", err)
	}
	j := &journal{dir: dir}
	segs, err := j.segments()
	if err != nil {
		return nil, err
	}
	for _, s := range segs {
		n, _ := countLines(s)
		j.pending.Add(int64(n))
	}
	return j, nil
}

// append writes recs to the open segment. The bytes reach the kernel before
// append returns, so they survive the process being killed.
func (j *journal) append(recs []*Record) error {
	var buf bytes.Buffer
	for _, r := range recs {
		b, err := json.Marshal(r)
		if err != nil {
			return fmt.Errorf("encode spilled capture %s: %w", r.ID, err)
		}
		buf.Write(b)
		buf.WriteByte('\n')
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		if err := j.openSegment(); err != nil {
			return err
		}
	}
	if _, err := j.f.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("write capture spill: %w", err)
	}
	j.pending.Add(int64(len(recs)))
	return nil
}

func (j *journal) openSegment() error {
	j.seq++
	name := filepath.Join(j.dir, fmt.Sprintf("capture-%020d-%06d%s", time.Now().UnixNano(), j.seq, segmentSuffix))
	f, err := os.OpenFile(name, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("open capture spill: %w", err)
	}
	j.f = f
	return nil
}

// seal closes the open segment (so it can be replayed) and returns every
// sealed segment, oldest first.
func (j *journal) seal() ([]string, error) {
	j.mu.Lock()
	if j.f != nil {
		j.f.Sync()
		j.f.Close()
		j.f = nil
	}
	j.mu.Unlock()
	return j.segments()
}

func (j *journal) segments() ([]string, error) {
	segs, err := filepath.Glob(filepath.Join(j.dir, "capture-*"+segmentSuffix))
	if err != nil {
		return nil, fmt.Errorf("list capture spill: %w", err)
	}
	sort.Strings(segs)
	return segs, nil
}

// hasData reports whether anything waits to be replayed.
func (j *journal) hasData() bool { return j.pending.Load() > 0 }

// readSegment decodes a segment and counts its lines. A torn last line (the
// process died mid-write) is skipped; everything before it is intact.
func readSegment(path string) ([]*Record, int, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, 0, fmt.Errorf("read capture spill: %w", err)
	}
	var recs []*Record
	lines := bytes.Count(data, []byte{'\n'})
	for _, line := range bytes.Split(data, []byte{'\n'}) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		r := &Record{}
		if err := json.Unmarshal(line, r); err != nil {
			continue
		}
		recs = append(recs, r)
	}
	return recs, lines, nil
}

// done removes a replayed segment.
func (j *journal) done(path string, n int) {
	os.Remove(path)
	j.pending.Add(-int64(n))
}

// quarantine renames a segment that fails to insert although the database is
// reachable, so it stops blocking the others; it stays on disk for an operator.
func (j *journal) quarantine(path string, n int) {
	os.Rename(path, path+".failed")
	j.pending.Add(-int64(n))
}

func (j *journal) close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return nil
	}
	err := j.f.Sync()
	if cerr := j.f.Close(); err == nil {
		err = cerr
	}
	j.f = nil
	return err
}

func countLines(path string) (int, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	return bytes.Count(data, []byte{'\n'}), nil
}
