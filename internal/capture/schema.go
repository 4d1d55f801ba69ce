package capture

import "github.com/fledgling-ai/fledgling/internal/store"

// Component is the capture store's name in schema_migrations.
const Component = "capture"

// migrations create the captures table. Each record is kept whole: the
// request body as sent in request, everything else as JSON in record (the
// body is kept apart so that writing it costs no JSON re-encoding); the other
// columns exist to filter and index on. seq orders records
// by write and lets readers page with AfterID.
var migrations = []store.Migration{{
	Version:  1,
	SQLite:   capturesV1("INTEGER PRIMARY KEY", "INTEGER"),
	Postgres: capturesV1("BIGSERIAL PRIMARY KEY", "BIGINT"),
}}

// capturesV1 is migration 1 for a dialect's auto-increment key and 64-bit
// integer types; the rest of the DDL is the same on both.
func capturesV1(seq, int64Type string) string {
	return `CREATE TABLE IF NOT EXISTS captures (
		seq ` + seq + `,
		id TEXT NOT NULL UNIQUE,
		time_ns ` + int64Type + ` NOT NULL,
		route TEXT NOT NULL,
		model TEXT NOT NULL,
		kind TEXT NOT NULL,
		key_id TEXT NOT NULL,
		status INTEGER NOT NULL,
		error_class TEXT NOT NULL,
		trace_id TEXT NOT NULL,
		request TEXT NOT NULL,
		record TEXT NOT NULL);
	CREATE INDEX IF NOT EXISTS captures_route_time ON captures (route, time_ns);
	CREATE INDEX IF NOT EXISTS captures_model_time ON captures (model, time_ns);
	CREATE INDEX IF NOT EXISTS captures_time ON captures (time_ns);`
}

// columns of one insert row, in order.
const insertColumns = "id, time_ns, route, model, kind, key_id, status, error_class, trace_id, request, record"

const nInsertColumns = 11

// indexedModel is the model a record is filed under: the one that answered,
// else the one requested (a call that failed before any upstream answered).
func indexedModel(r *Record) string {
	if r.AnsweringModel != "" {
		return r.AnsweringModel
	}
	return r.RequestedModel
}
