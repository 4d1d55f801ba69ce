package store

import (
	"context"
	"fmt"
)

// Migration is one versioned schema step of a component. Versions start at 1
// and never change once released; add a new version instead.
type Migration struct {
	Version int
	// SQL per dialect; when a dialect has no entry, Default is used.
	SQLite, Postgres, Default string
}

func (m Migration) sql(d Dialect) string {
	switch {
	case d == SQLite && m.SQLite != "":
		return m.SQLite
	case d == Postgres && m.Postgres != "":
		return m.Postgres
	}
	return m.Default
}

// Migrate applies the component's migrations that have not run yet, each in
// its own transaction. Components migrate independently, so each owns its
// tables without a global ordering.
func (db *DB) Migrate(ctx context.Context, component string, ms []Migration) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		component TEXT NOT NULL, version INTEGER NOT NULL, PRIMARY KEY (component, version))`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	for _, m := range ms {
		if err := db.migrateOne(ctx, component, m); err != nil {
			return fmt.Errorf("migrate %s v%d: %w", component, m.Version, err)
		}
	}
	return nil
}

func (db *DB) migrateOne(ctx context.Context, component string, m Migration) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if db.Dialect == Postgres {
		// Serialise concurrent replicas migrating the same database.
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7171)`); err != nil {
			return err
		}
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE component = $1 AND version = $2`, component, m.Version).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.sql(db.Dialect)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (component, version) VALUES ($1, $2)`, component, m.Version); err != nil {
		return err
	}
	return tx.Commit()
}
