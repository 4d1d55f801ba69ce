package trainer

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/fledgling-ai/fledgling/internal/store"
	"github.com/fledgling-ai/fledgling/internal/store/storetest"
)

const testPostgres = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

func randHex() string {
	var b [4]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// openPostgres opens the shared test database in a schema of its own, so
// concurrent tests of other packages never see these tables.
func openPostgres(t *testing.T) *store.DB {
	t.Helper()
	db := storetest.Postgres(t)
	if err := Migrate(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	return db
}

func redisClient(t *testing.T) (*redis.Client, string) {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	if err := c.Ping(context.Background()).Err(); err != nil {
		t.Fatalf("redis: %v", err)
	}
	key := "fledgling-test:" + randHex() + ":trainer:jobs"
	t.Cleanup(func() { c.Del(context.Background(), key); c.Close() })
	return c, key
}

// Two workers (as on two machines: a shared PostgreSQL store, one Redis
// stream, one consumer group) share the jobs; each job runs exactly once.
func TestRedisQueueTwoWorkers(t *testing.T) {
	db := openPostgres(t)
	rc, stream := redisClient(t)
	ds, err := newBuilder(t, db, &memSource{bfclRecords(t, "simple_python", "r", 40, t0)}, 1).Build(context.Background(), "r", nil)
	if err != nil {
		t.Fatal(err)
	}
	workDir := t.TempDir()
	var stops []func()
	for _, id := range []string{"machine-a", "machine-b"} {
		w := testWorker(db, workDir, "0.02", id)
		w.Queue = &RedisQueue{Client: rc, Stream: stream, Consumer: id, Jobs: w.Jobs, MinIdle: 5 * time.Second, Block: 200 * time.Millisecond}
		stops = append(stops, startWorker(t, w))
	}
	defer func() {
		for _, s := range stops {
			s()
		}
	}()
	jobs := &Jobs{DB: db}
	pub := &RedisQueue{Client: rc, Stream: stream, Jobs: jobs}
	var ids []string
	for i := 0; i < 4; i++ {
		j, err := jobs.Enqueue(context.Background(), NewJob{Route: "r", DatasetID: ds.ID, Backend: "exec", BaseModel: "tiny-base", Reason: "manual"})
		if err != nil {
			t.Fatal(err)
		}
		if err := pub.Publish(context.Background(), j.ID); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, j.ID)
	}
	workers := map[string]int{}
	for _, id := range ids {
		j := waitJob(t, jobs, id, 30*time.Second, func(j *Job) bool { return j.State.Terminal() })
		if j.State != Succeeded || j.Attempts != 1 {
			t.Fatalf("job %+v", j)
		}
		runs, _ := os.ReadFile(filepath.Join(j.OutputDir, "runs.log"))
		if n := strings.Count(string(runs), "start pid="); n != 1 {
			t.Fatalf("job %s ran %d times", id, n)
		}
		workers[j.Worker]++
	}
	if len(workers) != 2 {
		t.Fatalf("jobs per worker %v: want both workers used", workers)
	}
	pending, err := rc.XPending(context.Background(), stream, "trainer-workers").Result()
	if err != nil || pending.Count != 0 {
		t.Fatalf("deliveries left pending: %+v %v", pending, err)
	}
}

// A consumer that read a delivery and died (never acknowledged, lease never
// renewed) loses it to another worker after MinIdle.
func TestRedisDeliveryOfDeadConsumerIsTakenOver(t *testing.T) {
	db := openPostgres(t)
	rc, stream := redisClient(t)
	ds, err := newBuilder(t, db, &memSource{bfclRecords(t, "simple_python", "r", 20, t0)}, 1).Build(context.Background(), "r", nil)
	if err != nil {
		t.Fatal(err)
	}
	jobs := &Jobs{DB: db}
	dead := &RedisQueue{Client: rc, Stream: stream, Consumer: "dead", Jobs: jobs, Block: 100 * time.Millisecond}
	j, _ := jobs.Enqueue(context.Background(), NewJob{Route: "r", DatasetID: ds.ID, Backend: "exec", Reason: "manual"})
	dead.Ensure(context.Background())
	dead.Publish(context.Background(), j.ID)
	got, _, err := dead.Next(context.Background())
	if err != nil || got != j.ID {
		t.Fatalf("dead consumer read %q %v", got, err)
	}
	if _, err := jobs.Claim(context.Background(), j.ID, "dead", 500*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	w := testWorker(db, t.TempDir(), "0.01", "alive")
	w.Queue = &RedisQueue{Client: rc, Stream: stream, Consumer: "alive", Jobs: jobs, MinIdle: 700 * time.Millisecond, Block: 100 * time.Millisecond}
	defer startWorker(t, w)()
	done := waitJob(t, jobs, j.ID, 20*time.Second, func(j *Job) bool { return j.State.Terminal() })
	if done.State != Succeeded || done.Worker != "alive" || done.Fence != 2 {
		t.Fatalf("job %+v", done)
	}
}
