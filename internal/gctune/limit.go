package gctune

import (
	"strconv"
	"strings"
)

// limitShare is the largest part of the memory limit the floor may take:
// the heap grows to about the floor between collections, and the process
// needs room beside it (stacks, SQLite's page cache, buffers of responses
// in flight, the next cycle's garbage).
const limitShare = 4

// capFloor is floor, or a limitShare-th of limit when that is smaller. A
// limit of 0 (none found) leaves the floor as it is.
func capFloor(floor, limit uint64) uint64 {
	if limit == 0 {
		return floor
	}
	return min(floor, limit/limitShare)
}

// memoryLimit is the smallest of the memory limits that apply to this
// process: its cgroup's (v2 memory.max, or v1 memory.limit_in_bytes) and
// the machine's RAM. 0 when none can be read (not Linux).
func memoryLimit(read func(string) ([]byte, error)) uint64 {
	var limit uint64
	take := func(v uint64) {
		if v > 0 && (limit == 0 || v < limit) {
			limit = v
		}
	}
	for _, f := range []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		if b, err := read(f); err == nil {
			take(parseBytes(string(b))) // "max" (no limit) parses as 0
		}
	}
	if b, err := read("/proc/meminfo"); err == nil {
		take(memTotal(string(b)))
	}
	return limit
}

func parseBytes(s string) uint64 {
	v, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return 0
	}
	return v
}

// memTotal is MemTotal from /proc/meminfo, in bytes.
func memTotal(meminfo string) uint64 {
	for line := range strings.Lines(meminfo) {
		rest, ok := strings.CutPrefix(line, "MemTotal:")
		if !ok {
			continue
		}
		kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		if err != nil {
			return 0
		}
		return kb << 10
	}
	return 0
}
