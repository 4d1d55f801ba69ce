package gctune

import (
	"io/fs"
	"testing"
)

func TestCapFloorTakesAtMostAQuarterOfTheLimit(t *testing.T) {
	const mib = 1 << 20
	for _, c := range []struct{ floor, limit, want uint64 }{
		{256 * mib, 0, 256 * mib},          // no limit found
		{256 * mib, 512 * mib, 128 * mib},  // a small container
		{256 * mib, 4096 * mib, 256 * mib}, // room enough
	} {
		if got := capFloor(c.floor, c.limit); got != c.want {
			t.Errorf("capFloor(%d MiB, %d MiB) = %d MiB, want %d", c.floor/mib, c.limit/mib, got/mib, c.want/mib)
		}
	}
}

func TestMemoryLimitIsTheSmallestOfCgroupAndRAM(t *testing.T) {
	const meminfo = "MemTotal:       24684248 kB\nMemFree:        22404548 kB\n"
	for _, c := range []struct {
		name  string
		files map[string]string
		want  uint64
	}{
		{"cgroup v2 limit", map[string]string{"/sys/fs/cgroup/memory.max": "536870912\n", "/proc/meminfo": meminfo}, 536870912},
		{"cgroup v2 without limit", map[string]string{"/sys/fs/cgroup/memory.max": "max\n", "/proc/meminfo": meminfo}, 24684248 << 10},
		{"cgroup v1 limit", map[string]string{"/sys/fs/cgroup/memory/memory.limit_in_bytes": "1073741824\n", "/proc/meminfo": meminfo}, 1 << 30},
		{"cgroup v1 unlimited", map[string]string{"/sys/fs/cgroup/memory/memory.limit_in_bytes": "9223372036854771712\n", "/proc/meminfo": meminfo}, 24684248 << 10},
		{"nothing readable", map[string]string{}, 0},
	} {
		read := func(name string) ([]byte, error) {
			if v, ok := c.files[name]; ok {
				return []byte(v), nil
			}
			return nil, fs.ErrNotExist
		}
		if got := memoryLimit(read); got != c.want {
			t.Errorf("%s: memoryLimit = %d, want %d", c.name, got, c.want)
		}
	}
}
