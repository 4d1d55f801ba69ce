package promotion

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func has(sub string) func(f []string) bool {
	return func(f []string) bool { return strings.Contains(strings.Join(f[2:], " "), sub) }
}

// cleanPrefix deletes the test's keys from the shared Redis.
func cleanPrefix(t *testing.T, prefix string) {
	rdb := redis.NewClient(&redis.Options{Addr: testRedis})
	ctx := context.Background()
	if err := rdb.Ping(ctx).Err(); err != nil {
		t.Fatalf("these tests need Redis on %s: %v", testRedis, err)
	}
	t.Cleanup(func() {
		keys, _ := rdb.Keys(ctx, prefix+"*").Result()
		if len(keys) > 0 {
			rdb.Del(ctx, keys...)
		}
		rdb.Close()
	})
}

// TestReplicasShareStateLeaseAndSurviveRedisOutage runs replicas as separate
// processes sharing Redis through TCP proxies the test can cut.
func TestReplicasShareStateLeaseAndSurviveRedisOutage(t *testing.T) {
	prefix := fmt.Sprintf("fledgling-test:promo:%d:%d:", os.Getpid(), time.Now().UnixNano())
	cleanPrefix(t, prefix)
	dir := t.TempDir()
	pa, pb := newCutProxy(t, testRedis), newCutProxy(t, testRedis)
	a := startReplica(t, "A", pa.Addr(), prefix, dir)
	la := a.wait(t, "A leads", "LEADER", 5*time.Second, func(f []string) bool { return f[2] != "0" })
	b := startReplica(t, "B", pb.Addr(), prefix, dir)

	// 1. The leader promotes r1; the other replica serves each version within 1 s.
	a.wait(t, "r1 promoted", "WRITE", 15*time.Second, func(f []string) bool { return f[4] == "r1" && f[5] == "promoted" })
	b.wait(t, "B serves r1 promoted", "SERVE", 2*time.Second, has("r1=promoted"))
	var worst time.Duration
	a.mu.Lock()
	writes := append([][]string{}, a.lines...)
	a.mu.Unlock()
	for _, w := range writes {
		if w[0] != "WRITE" || w[3] != la[2] {
			continue
		}
		v, at := atoi(w[2]), atoi(w[1])
		seen, ok := b.find("STATE", func(f []string) bool { return atoi(f[2]) >= v })
		if !ok {
			t.Fatalf("B never saw state version %d", v)
		}
		if lag := time.Duration(atoi(seen[1]) - at); lag > worst {
			worst = lag
		}
	}
	t.Logf("state propagation leader → replica: worst lag %s over the r1 promotion", worst)
	if worst > time.Second {
		t.Fatalf("a change took %s to reach the other replica (> 1 s)", worst)
	}

	// 2. Killing the leader hands the lease to B, whose writes carry a newer token.
	killed := time.Now()
	a.cmd.Process.Kill()
	lb := b.wait(t, "B takes over", "LEADER", 6*time.Second, func(f []string) bool { return atoi(f[2]) > atoi(la[2]) })
	t.Logf("lease handed over %s after the leader was killed (token %s → %s)", time.Duration(atoi(lb[1])-killed.UnixNano()), la[2], lb[2])
	b.wait(t, "r2 promoted by B", "WRITE", 15*time.Second, func(f []string) bool { return f[4] == "r2" && f[5] == "promoted" && f[3] == lb[2] })

	// A restarted replica follows the shared state.
	a2 := startReplica(t, "A2", pa.Addr(), prefix, dir)
	a2.wait(t, "A2 serves r2 promoted", "SERVE", 5*time.Second, has("r2=promoted"))

	// 3. Redis unreachable: both keep serving the last table and nobody promotes r3.
	cut := time.Now().UnixNano()
	pa.Cut()
	pb.Cut()
	if err := os.WriteFile(filepath.Join(dir, "r3"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * time.Second)
	for _, r := range []*replica{a2, b} {
		serving := r.count("SERVE", cut, has("r1=promoted,r2=promoted,r3=shadow"))
		writes := r.count("WRITE", cut, any1)
		if serving < 10 || writes > 0 {
			t.Fatalf("%s during the outage: %d SERVE lines with the last table, %d writes", r.name, serving, writes)
		}
	}
	if _, lost := b.find("LEADER", func(f []string) bool { return atoi(f[1]) >= cut && f[2] == "0" }); !lost {
		t.Fatal("B kept the lease while Redis was unreachable")
	}

	// 4. Redis back: a leader is elected again, r3 is promoted and both replicas serve it.
	pa.Restore()
	pb.Restore()
	for _, r := range []*replica{a2, b} {
		r.wait(t, "r3 promoted after recovery", "SERVE", 15*time.Second, has("r3=promoted"))
	}
	t.Logf("outage: both replicas kept serving the last table for 3 s without writing; after recovery r3 was promoted")
}
