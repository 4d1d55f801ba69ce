package capture

import (
	"context"
	"database/sql"
	"strings"
	"sync"

	"github.com/fledgling-ai/fledgling/internal/store"
)

// preparedInserts keeps the multi-row INSERT prepared for the few row
// counts a writer uses again and again (a full batch), so that SQLite does
// not parse and plan a statement of a thousand parameters for every batch.
// Other counts (a partial batch at a tick) are prepared per use.
type preparedInserts struct {
	mu    sync.Mutex
	sizes map[int]bool      // row counts worth keeping prepared
	stmts map[int]*sql.Stmt // prepared so far
}

// keep marks n rows as a count worth keeping prepared.
func (p *preparedInserts) keep(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.sizes == nil {
		p.sizes = map[int]bool{}
	}
	p.sizes[n] = true
}

// stmt is the prepared INSERT for n rows, or nil when n is not kept or
// preparing fails (the caller then runs the statement unprepared).
func (p *preparedInserts) stmt(ctx context.Context, db *store.DB, n int) *sql.Stmt {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.sizes[n] {
		return nil
	}
	if s, ok := p.stmts[n]; ok {
		return s
	}
	s, err := db.PrepareContext(ctx, insertStatement(db.Dialect, n))
	if err != nil {
		return nil
	}
	if p.stmts == nil {
		p.stmts = map[int]*sql.Stmt{}
	}
	p.stmts[n] = s
	return s
}

// close releases the prepared statements.
func (p *preparedInserts) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for n, s := range p.stmts {
		s.Close()
		delete(p.stmts, n)
	}
}

// insertStatement is the INSERT of n rows, skipping ids already stored;
// on PostgreSQL it returns the ids it inserted (see insertRows).
//
// On SQLite it is INSERT OR IGNORE rather than ON CONFLICT DO NOTHING. The
// latter still aborts on a NOT NULL violation (no column is ever NULL), and a
// multi-row statement that may abort makes SQLite copy every existing page
// it changes into a statement journal first, so it can undo the statement
// alone. With 16 KiB pages a batch's copies passed the 64 KiB SQLite keeps
// in memory and went to a temporary file opened, written and closed on every
// batch: a quarter of the writer's pwrite calls
// (TestSQLiteInsertCannotAbortMidway; docs/capture-overhead.md, twelfth session).
func insertStatement(d store.Dialect, n int) string {
	var q strings.Builder
	q.Grow(64 + n*60)
	if d == store.SQLite {
		q.WriteString("INSERT OR IGNORE")
	} else {
		q.WriteString("INSERT")
	}
	q.WriteString(" INTO captures (" + insertColumns + ") VALUES ")
	for i := 0; i < n; i++ {
		if i > 0 {
			q.WriteByte(',')
		}
		writePlaceholders(&q, d, i*nInsertColumns, nInsertColumns)
	}
	if d != store.SQLite {
		q.WriteString(" ON CONFLICT DO NOTHING RETURNING id")
	}
	return q.String()
}
