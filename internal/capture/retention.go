package capture

import (
	"context"
	"log/slog"
	"runtime/debug"
	"time"
)

// pruneChunk is how many records one retention statement deletes.
const pruneChunk = 5000

// Prune deletes records older than maxAge and returns how many went.
func (s *Store) Prune(ctx context.Context, maxAge time.Duration) (int64, error) {
	cutoff := time.Now().Add(-maxAge)
	var total int64
	for {
		n, err := s.deleteOlder(ctx, cutoff, pruneChunk)
		total += n
		if err != nil || n < pruneChunk {
			return total, err
		}
	}
}

// RunRetention prunes records older than maxAge every interval until ctx
// ends. maxAge <= 0 keeps records forever and returns at once.
func (s *Store) RunRetention(ctx context.Context, maxAge, interval time.Duration, log *slog.Logger) {
	if maxAge <= 0 {
		return
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		s.pruneOnce(ctx, maxAge, log)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (s *Store) pruneOnce(ctx context.Context, maxAge time.Duration, log *slog.Logger) {
	defer func() {
		if p := recover(); p != nil {
			log.Error("capture retention panic", "panic", p, "stack", string(debug.Stack()))
		}
	}()
	n, err := s.Prune(ctx, maxAge)
	switch {
	case err != nil && ctx.Err() == nil:
		log.Warn("capture retention failed", "err", err)
	case n > 0:
		log.Info("capture retention pruned records", "records", n, "older_than", maxAge)
	}
}
