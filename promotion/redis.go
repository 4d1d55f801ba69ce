package promotion

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/redis/go-redis/v9"
)

// ErrStaleToken is a controller write carrying a fencing token older than
// the newest lease: a deposed leader must not change routing.
var ErrStaleToken = errors.New("fencing token is stale")

// Shared is the routing state replicas share through Redis: one hash with
// the version and the JSON state, a fence holding the newest lease token,
// and a channel announcing each new version.
type Shared struct {
	rdb                redis.UniversalClient
	stateKey, fenceKey string
	channel            string
	leaseKey, tokenKey string
}

// NewShared uses rdb with every key under prefix (e.g. "fledgling:").
func NewShared(rdb redis.UniversalClient, prefix string) *Shared {
	p := prefix + "promotion:"
	return &Shared{rdb: rdb, stateKey: p + "state", fenceKey: p + "fence", channel: p + "changed",
		leaseKey: p + "lease", tokenKey: p + "token"}
}

// writeScript: reject a stale token, reject a version conflict (a missing
// state — a fresh or flushed Redis — is seeded from the store's copy), then
// store, raise the fence and publish — atomically.
var writeScript = redis.NewScript(`
local tok = tonumber(ARGV[1])
local fence = tonumber(redis.call('GET', KEYS[2]) or '0')
if tok > 0 and tok < fence then return -1 end
local cur = redis.call('HGET', KEYS[1], 'version')
if cur and tonumber(cur) ~= tonumber(ARGV[2]) then return -2 end
if tok > fence then redis.call('SET', KEYS[2], tok) end
redis.call('HSET', KEYS[1], 'version', ARGV[3], 'body', ARGV[4])
redis.call('PUBLISH', ARGV[5], ARGV[3])
return 1`)

// Load returns the shared state; ok is false when Redis holds none yet.
func (s *Shared) Load(ctx context.Context) (st State, ok bool, err error) {
	body, err := s.rdb.HGet(ctx, s.stateKey, "body").Result()
	if errors.Is(err, redis.Nil) {
		return State{Candidates: map[string]*Candidate{}}, false, nil
	}
	if err != nil {
		return State{}, false, fmt.Errorf("redis load state: %w", err)
	}
	st, err = decodeState([]byte(body))
	return st, err == nil, err
}

// Write stores st if the shared version is still expect and token (0 for an
// operator write) is not stale.
func (s *Shared) Write(ctx context.Context, st State, body []byte, expect, token int64) error {
	res, err := writeScript.Run(ctx, s.rdb, []string{s.stateKey, s.fenceKey},
		token, expect, st.Version, body, s.channel).Int()
	switch {
	case err != nil:
		return fmt.Errorf("redis write state: %w", err)
	case res == -1:
		return ErrStaleToken
	case res == -2:
		return fmt.Errorf("%w (redis)", ErrConflict)
	}
	return nil
}

// Subscribe announces new versions on notify until ctx ends; ready runs
// once the subscription is confirmed (so a re-read then misses nothing).
// go-redis reconnects the subscription by itself after an outage.
func (s *Shared) Subscribe(ctx context.Context, ready func(), notify func(version int64)) {
	ps := s.rdb.Subscribe(ctx, s.channel)
	defer ps.Close()
	if _, err := ps.Receive(ctx); err == nil {
		ready()
	}
	ch := ps.Channel()
	for {
		select {
		case <-ctx.Done():
			return
		case m, ok := <-ch:
			if !ok {
				return
			}
			v, _ := strconv.ParseInt(m.Payload, 10, 64)
			notify(v)
		}
	}
}
