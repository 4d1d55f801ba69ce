package capture

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/fledgling-ai/fledgling/internal/store"
)

// ErrNotFound is returned by Get for an unknown record id.
var ErrNotFound = errors.New("capture not found")

// rowsPerStatement caps one multi-row INSERT (SQLite allows 32766 parameters).
const rowsPerStatement = 256

// Store reads and writes the captures table. Writes go through a Writer;
// other components (trainer, shadow, CLI, admin API) read with Query and Get.
type Store struct {
	db       *store.DB
	prepared preparedInserts
	encoded  encodeBuffer
}

// Open migrates the capture schema and returns the store.
func Open(ctx context.Context, db *store.DB) (*Store, error) {
	if err := db.Migrate(ctx, Component, migrations); err != nil {
		return nil, fmt.Errorf("capture store: %w", err)
	}
	return &Store{db: db}, nil
}

// DB is the underlying database.
func (s *Store) DB() *store.DB { return s.db }

// insert writes recs in one transaction, skipping ids already stored, and
// runs the hooks on the newly inserted records inside that transaction.
func (s *Store) insert(ctx context.Context, recs []*Record, hooks []BatchHook) (int, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("begin capture batch: %w", err)
	}
	defer tx.Rollback()
	inserted := make(map[string]bool, len(recs))
	for start := 0; start < len(recs); start += rowsPerStatement {
		end := min(start+rowsPerStatement, len(recs))
		if err := s.insertRows(ctx, tx, recs[start:end], inserted); err != nil {
			return 0, err
		}
	}
	fresh := recs
	if len(inserted) < len(recs) {
		fresh = make([]*Record, 0, len(inserted))
		for _, r := range recs {
			if inserted[r.ID] {
				fresh = append(fresh, r)
				delete(inserted, r.ID) // a duplicate id within one batch counts once
			}
		}
	}
	if err := runHooks(ctx, tx, s.db.Dialect, hooks, fresh); err != nil {
		return 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("commit capture batch: %w", err)
	}
	return len(fresh), nil
}

func runHooks(ctx context.Context, tx *sql.Tx, d store.Dialect, hooks []BatchHook, recs []*Record) error {
	if len(recs) == 0 {
		return nil
	}
	for _, h := range hooks {
		if err := h.OnBatch(ctx, tx, d, recs); err != nil {
			return fmt.Errorf("capture batch hook %T: %w", h, err)
		}
	}
	return nil
}

// insertRows runs one multi-row INSERT that skips stored ids and marks
// the ids that were actually inserted: on PostgreSQL those it RETURNs, on
// SQLite by insertRowsSQLite.
func (s *Store) insertRows(ctx context.Context, tx *sql.Tx, recs []*Record, inserted map[string]bool) error {
	buf := s.encoded.take()
	defer s.encoded.give(buf)
	args, err := insertArgs(recs, buf)
	if err != nil {
		return err
	}
	if s.db.Dialect == store.SQLite {
		return s.insertRowsSQLite(ctx, tx, recs, args, inserted)
	}
	var rows *sql.Rows
	if st := s.prepared.stmt(ctx, s.db, len(recs)); st != nil {
		rows, err = tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	} else {
		rows, err = tx.QueryContext(ctx, insertStatement(s.db.Dialect, len(recs)), args...)
	}
	return markIDs(rows, err, inserted)
}

// markIDs marks the ids a query returned (one column) as inserted.
func markIDs(rows *sql.Rows, err error, inserted map[string]bool) error {
	if err != nil {
		return wrapInsert(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return wrapInsert(err)
		}
		inserted[id] = true
	}
	return wrapInsert(rows.Err())
}

// writePlaceholders writes one row's parameters. SQLite gets anonymous "?"
// parameters: it resolves "$N" names by a linear search per parameter,
// which makes a 2,560-parameter statement quadratic.
func writePlaceholders(q *strings.Builder, d store.Dialect, offset, n int) {
	q.WriteByte('(')
	for j := 1; j <= n; j++ {
		if j > 1 {
			q.WriteByte(',')
		}
		if d == store.SQLite {
			q.WriteByte('?')
			continue
		}
		q.WriteByte('$')
		q.WriteString(strconv.Itoa(offset + j))
	}
	q.WriteByte(')')
}

// deleteOlder removes up to limit records older than cutoff and reports how
// many went. Retention calls it repeatedly so no single statement holds the
// write lock for long.
func (s *Store) deleteOlder(ctx context.Context, cutoff time.Time, limit int) (int64, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM captures WHERE seq IN
		(SELECT seq FROM captures WHERE time_ns < $1 LIMIT $2)`, cutoff.UnixNano(), limit)
	if err != nil {
		return 0, fmt.Errorf("capture retention: %w", err)
	}
	return res.RowsAffected()
}

// insertRowsSQLite runs the multi-row INSERT without RETURNING, which made
// SQLite hand each inserted id to the driver one step at a time (the
// throughput benchmark's writer, GOGC=400 in both: 62,188 and 64,571
// records per CPU-second without, 56,613 and 59,748 with, alternated). When
// the statement inserted every row (no id was stored already) the ids are
// the batch's own. Otherwise the rows it inserted are the last n: SQLite
// gives each new row the highest seq so far plus one, the writer holds the
// only write lock for the whole transaction (BEGIN IMMEDIATE), and a row
// skipped as a conflict takes no seq; the last one is last_insert_rowid.
func (s *Store) insertRowsSQLite(ctx context.Context, tx *sql.Tx, recs []*Record, args []any, inserted map[string]bool) error {
	var res sql.Result
	var err error
	if st := s.prepared.stmt(ctx, s.db, len(recs)); st != nil {
		res, err = tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	} else {
		res, err = tx.ExecContext(ctx, insertStatement(s.db.Dialect, len(recs)), args...)
	}
	if err != nil {
		return wrapInsert(err)
	}
	n, err := res.RowsAffected()
	if err != nil || n == 0 {
		return wrapInsert(err)
	}
	if int(n) == len(recs) {
		for _, r := range recs {
			inserted[r.ID] = true
		}
		return nil
	}
	last, err := res.LastInsertId()
	if err != nil {
		return wrapInsert(err)
	}
	return s.insertedBetween(ctx, tx, last-n, last, inserted)
}

// wrapInsert wraps a failed insert's error, and is nil for nil.
func wrapInsert(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("insert captures: %w", err)
}

// insertedBetween marks the ids of the rows stored with after < seq <= last.
func (s *Store) insertedBetween(ctx context.Context, tx *sql.Tx, after, last int64, inserted map[string]bool) error {
	rows, err := tx.QueryContext(ctx, `SELECT id FROM captures WHERE seq > $1 AND seq <= $2`, after, last)
	return markIDs(rows, err, inserted)
}
