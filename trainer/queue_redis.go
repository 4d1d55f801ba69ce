package trainer

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisQueue dispatches job ids on a Redis stream read by a consumer group,
// so workers on other machines (sharing the PostgreSQL store) each get
// different jobs. A delivery stays pending until the worker acknowledges it;
// one whose consumer went silent for MinIdle is taken over with XAUTOCLAIM.
// The job table stays the arbiter: a taken-over delivery of a job whose
// lease is still held is left pending and tried again later.
type RedisQueue struct {
	Client   redis.UniversalClient
	Stream   string // full key, e.g. "fledgling:trainer:jobs"
	Group    string // default "trainer-workers"
	Consumer string // this worker's id
	Jobs     *Jobs
	// MinIdle before another worker takes a pending delivery over. Default 30s.
	MinIdle time.Duration
	// Block is the longest XREADGROUP wait; after it the job table is swept
	// for claimable jobs that have no delivery. Default 2s.
	Block time.Duration
}

func (q *RedisQueue) group() string {
	if q.Group == "" {
		return "trainer-workers"
	}
	return q.Group
}

// Ensure creates the stream and the consumer group if needed.
func (q *RedisQueue) Ensure(ctx context.Context) error {
	err := q.Client.XGroupCreateMkStream(ctx, q.Stream, q.group(), "0").Err()
	if err != nil && !strings.Contains(err.Error(), "BUSYGROUP") {
		return fmt.Errorf("create consumer group: %w", err)
	}
	return nil
}

// Publish adds the job id to the stream.
func (q *RedisQueue) Publish(ctx context.Context, jobID string) error {
	if err := q.Client.XAdd(ctx, &redis.XAddArgs{Stream: q.Stream, Values: map[string]any{"job": jobID}}).Err(); err != nil {
		return fmt.Errorf("publish job %s: %w", jobID, err)
	}
	return nil
}

// Next returns a taken-over stale delivery, a new delivery, or (when the
// stream is quiet) a claimable job from the table.
func (q *RedisQueue) Next(ctx context.Context) (string, func(bool), error) {
	if err := q.Ensure(ctx); err != nil {
		return "", nil, err
	}
	for ctx.Err() == nil {
		if id, done, ok := q.takeOver(ctx); ok {
			return id, done, nil
		}
		id, done, err := q.read(ctx)
		if err != nil || id != "" {
			return id, done, err
		}
		if ids, err := q.Jobs.Claimable(ctx, 1); err == nil && len(ids) > 0 {
			return ids[0], func(bool) {}, nil
		}
	}
	return "", nil, ctx.Err()
}

func (q *RedisQueue) ack(msgID string) func(bool) {
	return func(handled bool) {
		if handled {
			q.Client.XAck(context.Background(), q.Stream, q.group(), msgID)
		}
	}
}

func (q *RedisQueue) takeOver(ctx context.Context) (string, func(bool), bool) {
	minIdle := q.MinIdle
	if minIdle <= 0 {
		minIdle = 30 * time.Second
	}
	msgs, _, err := q.Client.XAutoClaim(ctx, &redis.XAutoClaimArgs{Stream: q.Stream, Group: q.group(),
		Consumer: q.Consumer, MinIdle: minIdle, Start: "0-0", Count: 1}).Result()
	if err != nil || len(msgs) == 0 {
		return "", nil, false
	}
	id, _ := msgs[0].Values["job"].(string)
	return id, q.ack(msgs[0].ID), true
}

func (q *RedisQueue) read(ctx context.Context) (string, func(bool), error) {
	block := q.Block
	if block <= 0 {
		block = 2 * time.Second
	}
	res, err := q.Client.XReadGroup(ctx, &redis.XReadGroupArgs{Group: q.group(), Consumer: q.Consumer,
		Streams: []string{q.Stream, ">"}, Count: 1, Block: block}).Result()
	if errors.Is(err, redis.Nil) || (err == nil && (len(res) == 0 || len(res[0].Messages) == 0)) {
		return "", nil, nil
	}
	if err != nil {
		if ctx.Err() != nil {
			return "", nil, ctx.Err()
		}
		return "", nil, fmt.Errorf("read job stream: %w", err)
	}
	m := res[0].Messages[0]
	id, _ := m.Values["job"].(string)
	return id, q.ack(m.ID), nil
}
