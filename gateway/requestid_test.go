package gateway

import (
	"regexp"
	"strconv"
	"testing"
	"time"
)

func TestRequestIDsSortByTimeAndStayUnique(t *testing.T) {
	format := regexp.MustCompile(`^req_[0-9a-f]{32}$`)
	before := time.Now().UnixMilli()
	seen := map[string]bool{}
	prev := ""
	for i := 0; i < 20000; i++ {
		if i%5000 == 0 {
			time.Sleep(2 * time.Millisecond) // span several milliseconds
		}
		id := NewRequestID()
		if !format.MatchString(id) {
			t.Fatalf("id %q: want req_ and 32 hex digits", id)
		}
		if seen[id] {
			t.Fatalf("id %q made twice", id)
		}
		seen[id] = true
		if prev[:min(len(prev), 16)] > id[:16] {
			t.Fatalf("time prefix went back: %q after %q", id, prev)
		}
		prev = id
	}
	after := time.Now().UnixMilli()
	ms, err := strconv.ParseInt(prev[4:16], 16, 64)
	if err != nil || ms < before || ms > after {
		t.Fatalf("id %q: time prefix %d (%v), want within [%d, %d]", prev, ms, err, before, after)
	}
}
