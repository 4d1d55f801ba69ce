package promotion

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/fledgling-ai/fledgling/internal/store"
)

// ErrConflict is a write based on a state version that is no longer current.
var ErrConflict = errors.New("promotion state changed concurrently")

var migrations = []store.Migration{
	{Version: 1, Default: `CREATE TABLE IF NOT EXISTS promotion_state (
		id INTEGER PRIMARY KEY, version BIGINT NOT NULL, body TEXT NOT NULL, updated_at BIGINT NOT NULL)`},
	{Version: 2,
		SQLite: `CREATE TABLE IF NOT EXISTS promotion_history (
		id INTEGER PRIMARY KEY AUTOINCREMENT, route TEXT NOT NULL, model TEXT NOT NULL, version TEXT NOT NULL,
		from_stage TEXT NOT NULL, to_stage TEXT NOT NULL, actor TEXT NOT NULL, reason TEXT NOT NULL,
		token BIGINT NOT NULL, state_version BIGINT NOT NULL, at BIGINT NOT NULL, body TEXT NOT NULL)`,
		Postgres: `CREATE TABLE IF NOT EXISTS promotion_history (
		id BIGSERIAL PRIMARY KEY, route TEXT NOT NULL, model TEXT NOT NULL, version TEXT NOT NULL,
		from_stage TEXT NOT NULL, to_stage TEXT NOT NULL, actor TEXT NOT NULL, reason TEXT NOT NULL,
		token BIGINT NOT NULL, state_version BIGINT NOT NULL, at BIGINT NOT NULL, body TEXT NOT NULL)`},
	{Version: 3, Default: `CREATE INDEX IF NOT EXISTS promotion_history_route ON promotion_history (route, id)`},
}

// Store keeps the current state (one versioned row) and every transition in
// the SQL database, so state survives restarts with or without Redis.
type Store struct{ db *store.DB }

// OpenStore migrates the promotion tables.
func OpenStore(ctx context.Context, db *store.DB) (*Store, error) {
	if err := db.Migrate(ctx, "promotion", migrations); err != nil {
		return nil, fmt.Errorf("promotion store: %w", err)
	}
	return &Store{db: db}, nil
}

// Load returns the stored state (empty at version 0 when none).
func (s *Store) Load(ctx context.Context) (State, error) {
	var body string
	err := s.db.QueryRowContext(ctx, `SELECT body FROM promotion_state WHERE id = 1`).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return State{Candidates: map[string]*Candidate{}}, nil
	}
	if err != nil {
		return State{}, fmt.Errorf("load promotion state: %w", err)
	}
	return decodeState([]byte(body))
}

// Save writes st and its transitions in one transaction. With cas, the write
// is rejected (ErrConflict) unless the stored version is st.Version-1;
// without, it only ever moves the stored version forward (Redis is the
// authority and the store its durable copy).
func (s *Store) Save(ctx context.Context, st State, trs []*Transition, cas bool) error {
	body, err := json.Marshal(st)
	if err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("save promotion state: %w", err)
	}
	defer tx.Rollback()
	if err := saveState(ctx, tx, st.Version, body, cas); err != nil {
		return err
	}
	for _, tr := range trs {
		if err := insertTransition(ctx, tx, tr); err != nil {
			return err
		}
	}
	return tx.Commit()
}

func saveState(ctx context.Context, tx *sql.Tx, version int64, body []byte, cas bool) error {
	var cur int64 = -1
	err := tx.QueryRowContext(ctx, `SELECT version FROM promotion_state WHERE id = 1`).Scan(&cur)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("read promotion state version: %w", err)
	}
	now := time.Now().UnixMilli()
	switch {
	case cur < 0:
		_, err = tx.ExecContext(ctx, `INSERT INTO promotion_state (id, version, body, updated_at) VALUES (1, $1, $2, $3)`, version, string(body), now)
	case cas && cur != version-1:
		return fmt.Errorf("%w: stored version %d, writing %d", ErrConflict, cur, version)
	case cur >= version:
		return nil // an equal or newer state is already stored
	default:
		_, err = tx.ExecContext(ctx, `UPDATE promotion_state SET version = $1, body = $2, updated_at = $3 WHERE id = 1 AND version = $4`, version, string(body), now, cur)
	}
	if err != nil {
		return fmt.Errorf("write promotion state: %w", err)
	}
	return nil
}

func insertTransition(ctx context.Context, tx *sql.Tx, tr *Transition) error {
	body, err := json.Marshal(tr)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO promotion_history
		(route, model, version, from_stage, to_stage, actor, reason, token, state_version, at, body)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		tr.Route, tr.Model, tr.Version, tr.From, tr.To, tr.Actor, tr.Reason, tr.Token, tr.StateVersion, tr.At.UnixMilli(), string(body))
	if err != nil {
		return fmt.Errorf("record transition: %w", err)
	}
	return nil
}

// History returns a route's transitions, newest first.
func (s *Store) History(ctx context.Context, route string, limit int) ([]Transition, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT body FROM promotion_history WHERE route = $1 ORDER BY id DESC LIMIT $2`, route, limit)
	if err != nil {
		return nil, fmt.Errorf("read history: %w", err)
	}
	defer rows.Close()
	out := []Transition{}
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			return nil, err
		}
		var tr Transition
		if err := json.Unmarshal([]byte(body), &tr); err != nil {
			return nil, fmt.Errorf("decode transition: %w", err)
		}
		out = append(out, tr)
	}
	return out, rows.Err()
}

func decodeState(body []byte) (State, error) {
	var st State
	if err := json.Unmarshal(body, &st); err != nil {
		return State{}, fmt.Errorf("decode promotion state: %w", err)
	}
	if st.Candidates == nil {
		st.Candidates = map[string]*Candidate{}
	}
	return st, nil
}
