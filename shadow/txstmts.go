package shadow

import (
	"context"
	"database/sql"
)

// txStmts runs a transaction's statements, each prepared once however many
// pairs of a group use it. Parsing the pair insert and the aggregates'
// upserts again for every pair was about 40 % of storing a pair on SQLite
// (BenchmarkStoreAdd).
type txStmts struct {
	tx    *sql.Tx
	stmts map[string]*sql.Stmt
}

func newTxStmts(tx *sql.Tx) *txStmts { return &txStmts{tx: tx, stmts: map[string]*sql.Stmt{}} }

// prepared is query's statement in this transaction.
func (t *txStmts) prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := t.stmts[query]; ok {
		return st, nil
	}
	st, err := t.tx.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	t.stmts[query] = st
	return st, nil
}

func (t *txStmts) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := t.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

// scanRow runs a query that returns one row and scans it into dest.
func (t *txStmts) scanRow(ctx context.Context, query string, args []any, dest ...any) error {
	st, err := t.prepared(ctx, query)
	if err != nil {
		return err
	}
	return st.QueryRowContext(ctx, args...).Scan(dest...)
}

// close releases the statements (the transaction's end would too).
func (t *txStmts) close() {
	for _, st := range t.stmts {
		st.Close()
	}
}
