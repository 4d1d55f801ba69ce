package shadow

import "github.com/fledgling-ai/fledgling/internal/store"

// component is this package's name in schema_migrations.
const component = "shadow"

// migrations: every pair, plus hourly aggregates per (route, candidate,
// version[, evaluator]) so evidence reads never scan pairs. Times are Unix
// seconds (hour = start of the UTC hour); latencies are microseconds.
var migrations = []store.Migration{
	{Version: 1,
		SQLite:   `CREATE TABLE IF NOT EXISTS shadow_pairs (id INTEGER PRIMARY KEY AUTOINCREMENT,` + pairColumns,
		Postgres: `CREATE TABLE IF NOT EXISTS shadow_pairs (id BIGSERIAL PRIMARY KEY,` + pairColumns},
	{Version: 2, Default: `CREATE INDEX IF NOT EXISTS shadow_pairs_candidate ON shadow_pairs (route, model, version, time_us)`},
	{Version: 3, Default: `CREATE TABLE IF NOT EXISTS shadow_eval_hourly (
		route TEXT NOT NULL, model TEXT NOT NULL, version TEXT NOT NULL, evaluator TEXT NOT NULL, hour BIGINT NOT NULL,
		n BIGINT NOT NULL, passes BIGINT NOT NULL, score_sum DOUBLE PRECISION NOT NULL,
		PRIMARY KEY (route, model, version, evaluator, hour))`},
	{Version: 4, Default: `CREATE TABLE IF NOT EXISTS shadow_pair_hourly (
		route TEXT NOT NULL, model TEXT NOT NULL, version TEXT NOT NULL, hour BIGINT NOT NULL,
		pairs BIGINT NOT NULL, reverse_pairs BIGINT NOT NULL, cand_errors BIGINT NOT NULL, prim_errors BIGINT NOT NULL,
		cand_cost BIGINT NOT NULL, cand_priced BIGINT NOT NULL, prim_cost BIGINT NOT NULL, prim_priced BIGINT NOT NULL,
		both_cand_cost BIGINT NOT NULL, both_prim_cost BIGINT NOT NULL, both_priced BIGINT NOT NULL,
		judge_cost BIGINT NOT NULL, judge_calls BIGINT NOT NULL,
		PRIMARY KEY (route, model, version, hour))`},
	{Version: 5, Default: `CREATE TABLE IF NOT EXISTS shadow_latency_hourly (
		route TEXT NOT NULL, model TEXT NOT NULL, version TEXT NOT NULL, side TEXT NOT NULL, hour BIGINT NOT NULL,
		bucket INTEGER NOT NULL, n BIGINT NOT NULL,
		PRIMARY KEY (route, model, version, side, hour, bucket))`},
}

const pairColumns = `
	capture_id TEXT NOT NULL, time_us BIGINT NOT NULL, route TEXT NOT NULL, model TEXT NOT NULL, version TEXT NOT NULL,
	task_key TEXT NOT NULL, is_reverse INTEGER NOT NULL,
	candidate_output TEXT, reference_output TEXT,
	cand_status INTEGER NOT NULL, cand_latency_us BIGINT NOT NULL, cand_usage TEXT, cand_cost BIGINT NOT NULL,
	cand_priced INTEGER NOT NULL, cand_error TEXT NOT NULL,
	prim_status INTEGER NOT NULL, prim_latency_us BIGINT NOT NULL, prim_cost BIGINT NOT NULL,
	prim_priced INTEGER NOT NULL, prim_error TEXT NOT NULL,
	scores TEXT, judge_cost BIGINT NOT NULL)`
