package costs

import (
	"context"
	"fmt"

	"github.com/fledgling-ai/fledgling/internal/store"
)

// rollupMigrations create cost_rollups: one row per (period, dimension,
// bucket, value). period is "hour" or "day"; bucket is the bucket's start in
// Unix seconds, UTC; dim is "all" (value ""), "route", "model", "key" or
// "tag". Every column but the key is a sum, so rows are maintained by upsert
// with x = x + excluded.x.
//
// On SQLite the table is WITHOUT ROWID, so rows are stored in key order and a
// dashboard range read is one contiguous scan.
var rollupMigrations = []store.Migration{{
	Version:  1,
	SQLite:   rollupTable + " WITHOUT ROWID",
	Postgres: rollupTable,
}}

const rollupTable = `CREATE TABLE IF NOT EXISTS cost_rollups (
		period TEXT NOT NULL,
		dim TEXT NOT NULL,
		bucket BIGINT NOT NULL,
		value TEXT NOT NULL,
		calls BIGINT NOT NULL DEFAULT 0,
		errors BIGINT NOT NULL DEFAULT 0,
		unpriced_calls BIGINT NOT NULL DEFAULT 0,
		unknown_usage_calls BIGINT NOT NULL DEFAULT 0,
		input_tokens BIGINT NOT NULL DEFAULT 0,
		output_tokens BIGINT NOT NULL DEFAULT 0,
		cost_micros BIGINT NOT NULL DEFAULT 0,
		counterfactual_micros BIGINT NOT NULL DEFAULT 0,
		savings_base_micros BIGINT NOT NULL DEFAULT 0,
		candidate_calls BIGINT NOT NULL DEFAULT 0,
		candidate_cost_micros BIGINT NOT NULL DEFAULT 0,
		failed_attempts BIGINT NOT NULL DEFAULT 0,
		failed_attempt_micros BIGINT NOT NULL DEFAULT 0,
		PRIMARY KEY (period, dim, bucket, value))`

// sumColumns are the summed columns, in Totals field order.
var sumColumns = []string{
	"calls", "errors", "unpriced_calls", "unknown_usage_calls", "input_tokens", "output_tokens",
	"cost_micros", "counterfactual_micros", "savings_base_micros", "candidate_calls",
	"candidate_cost_micros", "failed_attempts", "failed_attempt_micros",
}

// Rollups maintains and reads the cost rollups in the shared database.
type Rollups struct {
	db *store.DB
}

// OpenRollups migrates the "costs" component's tables.
func OpenRollups(ctx context.Context, db *store.DB) (*Rollups, error) {
	if err := db.Migrate(ctx, "costs", rollupMigrations); err != nil {
		return nil, fmt.Errorf("costs rollups: %w", err)
	}
	return &Rollups{db: db}, nil
}
