package trainer

import (
	"context"

	"github.com/fledgling-ai/fledgling/internal/store"
)

// Component is the trainer's migration component name.
const Component = "trainer"

// Times are stored as Unix milliseconds (BIGINT) so both dialects compare
// them the same way.
var migrations = []store.Migration{
	{Version: 1, Default: `CREATE TABLE IF NOT EXISTS trainer_datasets (
		id TEXT PRIMARY KEY, route TEXT NOT NULL, version INTEGER NOT NULL,
		created_ms BIGINT NOT NULL, window_from_ms BIGINT NOT NULL, window_to_ms BIGINT NOT NULL,
		examples INTEGER NOT NULL, content_hash TEXT NOT NULL, dir TEXT NOT NULL, manifest TEXT NOT NULL,
		UNIQUE (route, version))`},
	{Version: 2, Default: `CREATE TABLE IF NOT EXISTS trainer_frozen_test (
		route TEXT NOT NULL, item_id TEXT NOT NULL, task_key TEXT NOT NULL,
		dataset_id TEXT NOT NULL, created_ms BIGINT NOT NULL,
		openai_line TEXT NOT NULL, neutral_line TEXT NOT NULL,
		PRIMARY KEY (route, item_id))`},
	{Version: 3, Default: `CREATE TABLE IF NOT EXISTS trainer_jobs (
		id TEXT PRIMARY KEY, route TEXT NOT NULL, dataset_id TEXT NOT NULL, backend TEXT NOT NULL,
		base_model TEXT NOT NULL, reason TEXT NOT NULL, state TEXT NOT NULL,
		created_ms BIGINT NOT NULL, updated_ms BIGINT NOT NULL, started_ms BIGINT NOT NULL DEFAULT 0,
		finished_ms BIGINT NOT NULL DEFAULT 0,
		worker TEXT NOT NULL DEFAULT '', lease_until_ms BIGINT NOT NULL DEFAULT 0,
		fence BIGINT NOT NULL DEFAULT 0, attempts INTEGER NOT NULL DEFAULT 0,
		cancel_requested INTEGER NOT NULL DEFAULT 0,
		step BIGINT NOT NULL DEFAULT 0, total_steps BIGINT NOT NULL DEFAULT 0,
		loss DOUBLE PRECISION NOT NULL DEFAULT 0, eta_s DOUBLE PRECISION NOT NULL DEFAULT 0,
		checkpoint TEXT NOT NULL DEFAULT '', output_dir TEXT NOT NULL DEFAULT '',
		artifact TEXT NOT NULL DEFAULT '', error TEXT NOT NULL DEFAULT '')`},
	{Version: 4, Default: `CREATE INDEX IF NOT EXISTS trainer_jobs_route_state ON trainer_jobs (route, state)`},
	{Version: 5,
		SQLite: `CREATE TABLE IF NOT EXISTS trainer_job_logs (
		seq INTEGER PRIMARY KEY AUTOINCREMENT, job_id TEXT NOT NULL, time_ms BIGINT NOT NULL,
		attempt INTEGER NOT NULL, stream TEXT NOT NULL, line TEXT NOT NULL)`,
		Postgres: `CREATE TABLE IF NOT EXISTS trainer_job_logs (
		seq BIGSERIAL PRIMARY KEY, job_id TEXT NOT NULL, time_ms BIGINT NOT NULL,
		attempt INTEGER NOT NULL, stream TEXT NOT NULL, line TEXT NOT NULL)`},
	{Version: 6, Default: `CREATE INDEX IF NOT EXISTS trainer_job_logs_job ON trainer_job_logs (job_id, seq)`},
	{Version: 7, Default: `CREATE TABLE IF NOT EXISTS trainer_candidates (
		route TEXT NOT NULL, version TEXT NOT NULL, public_model TEXT NOT NULL,
		upstream_model TEXT NOT NULL, provider TEXT NOT NULL, adapter_path TEXT NOT NULL,
		base_model TEXT NOT NULL, job_id TEXT NOT NULL, dataset_id TEXT NOT NULL,
		loaded INTEGER NOT NULL, created_ms BIGINT NOT NULL,
		PRIMARY KEY (route, version))`},
	{Version: 8, Default: `CREATE TABLE IF NOT EXISTS trainer_dataset_files (
		dataset_id TEXT NOT NULL, name TEXT NOT NULL, content TEXT NOT NULL,
		PRIMARY KEY (dataset_id, name))`},
}

// Migrate creates or upgrades the trainer's tables.
func Migrate(ctx context.Context, db *store.DB) error {
	return db.Migrate(ctx, Component, migrations)
}
