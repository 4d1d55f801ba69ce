package config

import (
	"strings"
	"time"
)

// Storage is where captures, pairs, rollups, promotion history and jobs live.
type Storage struct {
	// DSN is "sqlite://PATH" (embedded, default "sqlite://./data/fledgling.db")
	// or "postgres://..." when replicas share one database.
	DSN string `yaml:"dsn"`
	// Retention deletes raw captures older than this. Default 720h (30 days); 0s keeps forever... use -1 to disable.
	Retention time.Duration `yaml:"retention"`
	// FlushInterval is the capture writer's batch interval: after kill -9 at
	// most this much acknowledged traffic is lost. Default 200ms.
	FlushInterval time.Duration `yaml:"flush_interval"`
	// BatchSize caps one write batch. Default 128 on SQLite, where a batch
	// is uninterrupted work on the writer goroutine (as many records a
	// second as with 512, and each batch stays within a few ms), and 512 on
	// PostgreSQL, where fewer round trips matter more.
	BatchSize int `yaml:"batch_size"`
	// QueueSize is the capture queue; when full the request path spills to
	// the journal rather than blocking. Default 65536.
	QueueSize int `yaml:"queue_size"`
	// SpillDir holds the append-only journal used while the database is
	// unreachable. Default "./data/spill".
	SpillDir string `yaml:"spill_dir"`
}

// DefaultBatchSize is storage.batch_size's default on SQLite;
// DefaultBatchSizePostgres on PostgreSQL.
const (
	DefaultBatchSize         = 128
	DefaultBatchSizePostgres = 512
)

func (s *Storage) setDefaults() {
	if s.DSN == "" {
		s.DSN = "sqlite://./data/fledgling.db"
	}
	setDur(&s.Retention, 720*time.Hour)
	setDur(&s.FlushInterval, 200*time.Millisecond)
	if s.BatchSize == 0 {
		s.BatchSize = DefaultBatchSize
		if strings.HasPrefix(s.DSN, "postgres") {
			s.BatchSize = DefaultBatchSizePostgres
		}
	}
	if s.QueueSize == 0 {
		s.QueueSize = 65536
	}
	if s.SpillDir == "" {
		s.SpillDir = "./data/spill"
	}
}

func (s *Storage) validate(ps *problems) {
	if !strings.HasPrefix(s.DSN, "sqlite://") && !strings.HasPrefix(s.DSN, "postgres://") && !strings.HasPrefix(s.DSN, "postgresql://") {
		ps.add("storage.dsn", "must start with sqlite:// or postgres://")
	}
	if s.FlushInterval <= 0 {
		ps.add("storage.flush_interval", "must be positive")
	}
	if s.BatchSize < 1 || s.QueueSize < 1 {
		ps.add("storage", "batch_size and queue_size must be at least 1")
	}
}

// Redis, when Addr is set, shares routing state between replicas and carries
// the trainer's job stream.
type Redis struct {
	// Addr is host:port; empty disables Redis (single-replica mode).
	Addr     string `yaml:"addr"`
	Password string `yaml:"password"`
	DB       int    `yaml:"db"`
	// Prefix namespaces every key. Default "fledgling:".
	Prefix string `yaml:"prefix"`
}

func (r *Redis) setDefaults() {
	if r.Prefix == "" {
		r.Prefix = "fledgling:"
	}
}

func (r *Redis) validate(ps *problems) {
	if r.DB < 0 {
		ps.add("redis.db", "must not be negative")
	}
}
