package config

import (
	"net"
	"time"
)

// Server is the HTTP listener.
type Server struct {
	// Listen is the address to serve on. Default "127.0.0.1:8080".
	Listen string `yaml:"listen"`
	// MaxBodyBytes caps a request body; larger bodies get 413. Default 16 MiB.
	MaxBodyBytes int64 `yaml:"max_body_bytes"`
	// ShutdownTimeout bounds how long SIGTERM waits for in-flight requests. Default 30s.
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
	// LogLevel is debug, info, warn or error. Default info.
	LogLevel string `yaml:"log_level"`
	// GCHeapFloorMB keeps the Go garbage collector's heap goal at or above
	// this many MiB, so a small live heap is not collected several times a
	// second (each cycle pauses calls in flight). Above half the floor
	// GOGC=100 applies unchanged. The floor is capped at a quarter of the
	// process's memory limit (cgroup memory.max, else the machine's RAM).
	// Default 256; a negative value, or GOGC / GOMEMLIMIT in the environment,
	// leaves the collector alone. Read at start.
	GCHeapFloorMB int `yaml:"gc_heap_floor_mb"`
	// BackgroundPriority is the CPU priority of the background work that
	// computes for milliseconds at a time: building and encoding spans for
	// export, and SQLite capture writes. "idle" (default) runs it, one piece
	// at a time, on one Linux thread of the SCHED_IDLE class, which gives way
	// at once to any thread that serves a request (the per-call hand-off,
	// which only queues, runs in the handler after the answer; PostgreSQL
	// capture writes stay at normal priority: their work runs in the
	// database server).
	// When that thread waits for a CPU for more than half of a quarter second
	// (other processes keep the machine busy), it goes back to normal priority
	// for a minute, doubled each time
	// (fledgling_background_priority_restored_total). "normal" leaves it at
	// the process's priority. Read at start.
	BackgroundPriority string `yaml:"background_priority"`
}

// LowBackgroundPriority reports whether background work runs at idle
// priority.
func (s Server) LowBackgroundPriority() bool { return s.BackgroundPriority == "idle" }

// DefaultGCHeapFloorMB is server.gc_heap_floor_mb's default.
const DefaultGCHeapFloorMB = 256

// GCHeapFloor is the floor in bytes, 0 when off.
func (s Server) GCHeapFloor() uint64 {
	if s.GCHeapFloorMB <= 0 {
		return 0
	}
	return uint64(s.GCHeapFloorMB) << 20
}

func (s *Server) setDefaults() {
	if s.Listen == "" {
		s.Listen = "127.0.0.1:8080"
	}
	if s.MaxBodyBytes == 0 {
		s.MaxBodyBytes = 16 << 20
	}
	if s.ShutdownTimeout == 0 {
		s.ShutdownTimeout = 30 * time.Second
	}
	if s.LogLevel == "" {
		s.LogLevel = "info"
	}
	if s.GCHeapFloorMB == 0 {
		s.GCHeapFloorMB = DefaultGCHeapFloorMB
	}
	if s.BackgroundPriority == "" {
		s.BackgroundPriority = "idle"
	}
}

func (s *Server) validate(ps *problems) {
	if _, _, err := net.SplitHostPort(s.Listen); err != nil {
		ps.add("server.listen", "not a host:port address: %v", err)
	}
	if s.MaxBodyBytes < 1024 {
		ps.add("server.max_body_bytes", "must be at least 1024, got %d", s.MaxBodyBytes)
	}
	if s.ShutdownTimeout < 0 {
		ps.add("server.shutdown_timeout", "must not be negative")
	}
	switch s.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		ps.add("server.log_level", "must be debug, info, warn or error, got %q", s.LogLevel)
	}
	if s.BackgroundPriority != "idle" && s.BackgroundPriority != "normal" {
		ps.add("server.background_priority", "must be idle or normal, got %q", s.BackgroundPriority)
	}
}

// IsLoopback reports whether a listen address only accepts local connections.
func IsLoopback(listen string) bool {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
