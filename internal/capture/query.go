package capture

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Filter selects captures. Zero fields do not filter.
type Filter struct {
	Route string
	// Model matches the answering model, or the requested model of a call
	// that no upstream answered.
	Model string
	// From (inclusive) and To (exclusive) bound the request time.
	From, To time.Time
	// AfterID returns only records written after the record with this id
	// (for paging and tailing); an unknown id yields nothing.
	AfterID string
	// Limit caps the result: default 100, at most 10000.
	Limit int
	// Newest returns the last Limit matching records (still oldest first)
	// instead of the first Limit.
	Newest bool
}

// Default and maximum page sizes.
const (
	DefaultLimit = 100
	MaxLimit     = 10000
)

// Query returns matching records in write order (oldest first).
func (s *Store) Query(ctx context.Context, f Filter) ([]*Record, error) {
	where, args := f.where()
	order := "ASC"
	if f.Newest {
		order = "DESC"
	}
	args = append(args, f.limit())
	q := "SELECT seq, request, record FROM captures" + where + " ORDER BY seq " + order + " LIMIT $" + strconv.Itoa(len(args))
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("query captures: %w", err)
	}
	defer rows.Close()
	var out []*Record
	for rows.Next() {
		rec, err := scanRecord(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, rec)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("query captures: %w", err)
	}
	if f.Newest {
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	}
	return out, nil
}

// Get returns one record by id, or ErrNotFound.
func (s *Store) Get(ctx context.Context, id string) (*Record, error) {
	row := s.db.QueryRowContext(ctx, `SELECT seq, request, record FROM captures WHERE id = $1`, id)
	rec, err := scanRecord(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	return rec, err
}

// Count returns how many records match f (Limit and AfterID ignored).
func (s *Store) Count(ctx context.Context, f Filter) (int64, error) {
	f.AfterID = ""
	where, args := f.where()
	var n int64
	if err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM captures"+where, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count captures: %w", err)
	}
	return n, nil
}

func (f Filter) limit() int {
	switch {
	case f.Limit <= 0:
		return DefaultLimit
	case f.Limit > MaxLimit:
		return MaxLimit
	}
	return f.Limit
}

func (f Filter) where() (string, []any) {
	var conds []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		conds = append(conds, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(args))))
	}
	if f.Route != "" {
		add("route = ?", f.Route)
	}
	if f.Model != "" {
		add("model = ?", f.Model)
	}
	if !f.From.IsZero() {
		add("time_ns >= ?", f.From.UnixNano())
	}
	if !f.To.IsZero() {
		add("time_ns < ?", f.To.UnixNano())
	}
	if f.AfterID != "" {
		add("seq > COALESCE((SELECT seq FROM captures WHERE id = ?), 9223372036854775807)", f.AfterID)
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

type scanner interface{ Scan(dest ...any) error }

func scanRecord(row scanner) (*Record, error) {
	var seq int64
	var request, data string
	if err := row.Scan(&seq, &request, &data); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
		return nil, fmt.Errorf("scan capture: %w", err)
	}
	rec := &Record{}
	if err := json.Unmarshal([]byte(data), rec); err != nil {
		return nil, fmt.Errorf("decode capture %d: %w", seq, err)
	}
	if request != "" {
		rec.Request = json.RawMessage(request)
	}
	return rec, nil
}

// scanPage is how many records Scan reads per query.
const scanPage = 500

// Scan calls fn for every record of route (all routes when empty) with a
// request time in [from, to), oldest first, paging through the table so the
// whole range is never held in memory. An error from fn stops the scan and
// is returned.
func (s *Store) Scan(ctx context.Context, route string, from, to time.Time, fn func(*Record) error) error {
	f := Filter{Route: route, From: from, To: to, Limit: scanPage}
	for {
		page, err := s.Query(ctx, f)
		if err != nil {
			return err
		}
		for _, r := range page {
			if err := fn(r); err != nil {
				return err
			}
		}
		if len(page) < scanPage {
			return nil
		}
		f.AfterID = page[len(page)-1].ID
	}
}
