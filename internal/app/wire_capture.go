package app

import (
	"context"
	"fmt"
	"time"

	"github.com/fledgling-ai/fledgling/internal/capture"
	"github.com/fledgling-ai/fledgling/internal/store"
)

// buildCapture opens the capture store (migrating it), starts the batched
// writer that is the gateway's Recorder (s.recorder; others add BatchHooks
// to it), exposes its queue, drops and lag as metrics, serves
// GET /admin/v1/captures[/{id}], runs retention in the background, and
// flushes everything queued at shutdown.
func (s *services) buildCapture(ctx context.Context) error {
	st, err := capture.Open(ctx, s.db)
	if err != nil {
		return err
	}
	opt := capture.OptionsFrom(s.cfg.Storage, s.log)
	opt.LowPriority = s.cfg.Server.LowBackgroundPriority() && s.db.Dialect == store.SQLite
	w, err := capture.NewWriter(st, opt)
	if err != nil {
		return fmt.Errorf("capture writer: %w", err)
	}
	s.captures, s.recorder = st, w
	s.onClose(w.Close)
	s.metrics.RegisterQueue("capture", w.Depth, w.Lost)
	s.metrics.RegisterQueue("capture_spill", func() int { return int(w.SpillPending()) }, func() uint64 { return 0 })
	s.metrics.SetCaptureLag(w.Lag)
	s.admin.HandleFunc("GET /admin/v1/captures", st.ServeList)
	s.admin.HandleFunc("GET /admin/v1/captures/{id}", st.ServeGet)
	retention := s.cfg.Storage.Retention
	s.background(func(ctx context.Context) { st.RunRetention(ctx, retention, retentionInterval(retention), s.log) })
	s.log.Info("capture ready", "dsn_dialect", s.db.Dialect, "flush_interval", s.cfg.Storage.FlushInterval,
		"spill_dir", s.cfg.Storage.SpillDir, "retention", retention)
	return nil
}

// retentionInterval prunes ten times per retention period, at most hourly.
func retentionInterval(retention time.Duration) time.Duration {
	return min(max(retention/10, time.Minute), time.Hour)
}
