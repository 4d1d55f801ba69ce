package redact

import (
	"context"
	"fmt"
	"log/slog"
)

// LogHandler wraps a slog.Handler so that registered secrets never reach
// the log, whoever logs them (an upstream error that quotes its API key, a
// request echoed in a debug line). Only secrets are masked; the content
// patterns are for captured content, not for operational logs.
type LogHandler struct {
	next slog.Handler
	r    *Redactor
}

// NewLogHandler returns next with secret scrubbing in front.
func NewLogHandler(next slog.Handler, r *Redactor) *LogHandler {
	return &LogHandler{next: next, r: r}
}

// Enabled implements slog.Handler.
func (h *LogHandler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

// Handle implements slog.Handler.
func (h *LogHandler) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, h.r.Secret(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

// WithAttrs implements slog.Handler.
func (h *LogHandler) WithAttrs(as []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(as))
	for i, a := range as {
		clean[i] = h.attr(a)
	}
	return &LogHandler{next: h.next.WithAttrs(clean), r: h.r}
}

// WithGroup implements slog.Handler.
func (h *LogHandler) WithGroup(name string) slog.Handler {
	return &LogHandler{next: h.next.WithGroup(name), r: h.r}
}

func (h *LogHandler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, h.r.Secret(v.String()))
	case slog.KindGroup:
		group := v.Group()
		clean := make([]any, len(group))
		for i, g := range group {
			clean[i] = h.attr(g)
		}
		return slog.Group(a.Key, clean...)
	case slog.KindAny:
		s := fmt.Sprint(v.Any())
		if red := h.r.Secret(s); red != s {
			return slog.String(a.Key, red)
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}

// Secret masks registered secrets (not patterns) in s.
func (r *Redactor) Secret(s string) string {
	if s == "" {
		return s
	}
	b := r.scrubHashed(r.scrubSecrets([]byte(s)))
	if string(b) == s {
		return s
	}
	return string(b)
}
