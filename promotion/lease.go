package promotion

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Lease elects the one replica that runs the gate controller. The holder
// renews it every TTL/3; a new holder gets a fencing token from an INCR and
// raises the fence at once, so the writes of a deposed holder are rejected
// even before the new one writes.
type Lease struct {
	s   *Shared
	id  string
	ttl time.Duration
	log *slog.Logger

	mu       sync.Mutex
	token    int64
	deadline time.Time // local expiry: no longer leader after it without a renewal
}

var acquireScript = redis.NewScript(`
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  local t = redis.call('INCR', KEYS[2])
  redis.call('SET', KEYS[1], ARGV[1] .. '|' .. t, 'PX', ARGV[2])
  local f = tonumber(redis.call('GET', KEYS[3]) or '0')
  if t > f then redis.call('SET', KEYS[3], t) end
  return t
end
return 0`)

var renewScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`)

var releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`)

// NewLease is a lease for the replica id (unique per process).
func NewLease(s *Shared, id string, ttl time.Duration, log *slog.Logger) *Lease {
	return &Lease{s: s, id: id, ttl: ttl, log: log}
}

// Token is the fencing token while this replica holds the lease.
func (l *Lease) Token() (int64, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.token == 0 || time.Now().After(l.deadline) {
		return 0, false
	}
	return l.token, true
}

// Run acquires and renews the lease until ctx ends, then releases it.
func (l *Lease) Run(ctx context.Context) {
	t := time.NewTicker(l.ttl / 3)
	defer t.Stop()
	for {
		l.tick(ctx)
		select {
		case <-ctx.Done():
			l.release()
			return
		case <-t.C:
		}
	}
}

func (l *Lease) tick(ctx context.Context) {
	start := time.Now()
	tok, _ := l.Token()
	if tok != 0 {
		n, err := renewScript.Run(ctx, l.s.rdb, []string{l.s.leaseKey}, l.value(tok), l.ttl.Milliseconds()).Int()
		if err == nil && n == 1 {
			l.set(tok, start.Add(l.ttl))
			return
		}
		l.log.Warn("promotion lease lost", "token", tok, "err", err)
		l.set(0, time.Time{})
		if err != nil {
			return
		}
	}
	got, err := acquireScript.Run(ctx, l.s.rdb, []string{l.s.leaseKey, l.s.tokenKey, l.s.fenceKey}, l.id, l.ttl.Milliseconds()).Int64()
	if err == nil && got > 0 {
		l.set(got, start.Add(l.ttl))
		l.log.Info("promotion lease acquired: this replica runs the gate controller", "token", got, "replica", l.id)
	}
}

func (l *Lease) set(tok int64, deadline time.Time) {
	l.mu.Lock()
	l.token, l.deadline = tok, deadline
	l.mu.Unlock()
}

func (l *Lease) value(tok int64) string { return l.id + "|" + strconv.FormatInt(tok, 10) }

func (l *Lease) release() {
	tok, ok := l.Token()
	l.set(0, time.Time{})
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := releaseScript.Run(ctx, l.s.rdb, []string{l.s.leaseKey}, l.value(tok)).Err(); err != nil {
		l.log.Warn("promotion lease release", "err", err)
	}
}

// Holder is the replica id holding the lease and its token, for the admin API.
func (s *Shared) Holder(ctx context.Context) (string, int64, error) {
	v, err := s.rdb.Get(ctx, s.leaseKey).Result()
	if err == redis.Nil {
		return "", 0, nil
	}
	if err != nil {
		return "", 0, fmt.Errorf("read lease: %w", err)
	}
	i := strings.LastIndexByte(v, '|')
	if i < 0 {
		return v, 0, nil
	}
	tok, _ := strconv.ParseInt(v[i+1:], 10, 64)
	return v[:i], tok, nil
}
