package app

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/fledgling-ai/fledgling/internal/config"
)

// reloadLoop re-reads the config on SIGHUP, on a change of the file (its
// directory is watched, so editors that replace the file are seen too) and
// on a manual request, until ctx ends.
func (s *services) reloadLoop(ctx context.Context, manual <-chan struct{}) {
	path := s.cfg.Path // never changes; s.cfg itself is swapped under reloadMu
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	events, stop := s.watchConfig()
	defer stop()
	debounce := time.NewTimer(time.Hour)
	debounce.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			s.reload("SIGHUP")
		case <-manual:
			s.reload("request")
		case ev := <-events:
			if filepath.Clean(ev.Name) == filepath.Clean(path) && ev.Op&(fsnotify.Write|fsnotify.Create|fsnotify.Rename) != 0 {
				debounce.Reset(150 * time.Millisecond) // editors write in bursts
			}
		case <-debounce.C:
			s.reload("file change")
		}
	}
}

func (s *services) watchConfig() (<-chan fsnotify.Event, func()) {
	if s.cfg.Path == "" {
		return nil, func() {}
	}
	w, err := fsnotify.NewWatcher()
	if err == nil {
		err = w.Add(filepath.Dir(s.cfg.Path))
	}
	if err != nil {
		s.log.Warn("config file watch unavailable; reload with SIGHUP", "error", err)
		if w != nil {
			w.Close()
		}
		return nil, func() {}
	}
	go func() {
		for err := range w.Errors {
			s.log.Warn("config file watch", "error", err)
		}
	}()
	return w.Events, func() { w.Close() }
}

// reload loads and validates the file, then swaps the router table and the
// gateway runtime and tells every component. A bad config changes nothing:
// the running config stays and the reason is logged.
func (s *services) reload(why string) {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	if s.cfg.Path == "" {
		return
	}
	cfg, err := s.loadReload()
	if err == nil && s.overlay != nil {
		cfg, err = s.overlay.apply(cfg) // trained candidates stay after a reload
	}
	if err != nil {
		s.log.Error("config reload rejected; keeping the running config", "trigger", why, "path", s.cfg.Path, "error", err)
		return
	}
	if err := s.install(cfg); err != nil {
		s.log.Error("config reload rejected; keeping the running config", "trigger", why, "error", err)
		return
	}
	s.log.Info("config reloaded", "trigger", why, "path", cfg.Path)
}

// loadReload reads the file again, keeping the address actually listened
// on (a listen change needs a restart).
func (s *services) loadReload() (*config.Config, error) {
	cfg, err := config.Load(s.cfg.Path)
	if err != nil {
		return nil, err
	}
	if cfg.Server.Listen != s.cfg.Server.Listen {
		s.log.Warn("server.listen changed: restart to apply", "running", s.cfg.Server.Listen, "file", cfg.Server.Listen)
		cfg.Server.Listen = s.cfg.Server.Listen
		if ps := cfg.Validate(); len(ps) > 0 {
			return nil, errors.Join(ps)
		}
	}
	return cfg, nil
}
