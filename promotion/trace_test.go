package promotion

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

func TestTransitionsAreTraceEvents(t *testing.T) {
	ctx := context.Background()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	m := NewManager(openSQLite(t, filepath.Join(t.TempDir(), "p.db")), nil, quietLog(), tp)
	if err := m.Load(ctx); err != nil {
		t.Fatal(err)
	}
	_, err := m.Update(ctx, 0, func(st *State) ([]*Transition, bool, error) {
		c := &Candidate{Route: "r", Model: "small", Version: "v1", Stage: "shadow"}
		st.Candidates[c.Key()] = c
		tr, err := Operate(c, ActionPromote, 0, "alice", "", time.Now())
		return []*Transition{tr}, true, err
	})
	if err != nil {
		t.Fatal(err)
	}
	spans := rec.Ended()
	if len(spans) != 1 || spans[0].Name() != "fledgling.promotion.transition" || len(spans[0].Events()) != 1 {
		t.Fatalf("spans %v", spans)
	}
	got := map[string]string{}
	for _, a := range spans[0].Events()[0].Attributes {
		got[string(a.Key)] = a.Value.Emit()
	}
	if got["fledgling.promotion.to"] != "promoted" || got["fledgling.promotion.actor"] != "operator:alice" || got["fledgling.promotion.state_version"] != "1" {
		t.Fatalf("event attributes %v", got)
	}
}
