package costs

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/fledgling-ai/fledgling/internal/capture"
	"github.com/fledgling-ai/fledgling/internal/store"
)

// Totals are the sums kept per rollup bucket. Money is micro-USD.
type Totals struct {
	Calls  int64 `json:"calls"`
	Errors int64 `json:"errors"`
	// UnpricedCalls had usage but no price for their model.
	UnpricedCalls int64 `json:"unpriced_calls"`
	// UnknownUsageCalls succeeded (or were cut) without reporting usage.
	UnknownUsageCalls int64 `json:"unknown_usage_calls"`
	InputTokens       int64 `json:"input_tokens"`
	OutputTokens      int64 `json:"output_tokens"`
	// CostMicros is the priced calls' answers (failed attempts excluded).
	CostMicros int64 `json:"cost_micros"`
	// CounterfactualMicros is the calls with a known counterfactual at the
	// primary's price; SavingsBaseMicros is those same calls' actual cost.
	CounterfactualMicros int64 `json:"counterfactual_micros"`
	SavingsBaseMicros    int64 `json:"savings_base_micros"`
	CandidateCalls       int64 `json:"candidate_calls"`
	CandidateCostMicros  int64 `json:"candidate_cost_micros"`
	FailedAttempts       int64 `json:"failed_attempts"`
	FailedAttemptMicros  int64 `json:"failed_attempt_micros"`
}

// fields lists pointers in sumColumns order.
func (t *Totals) fields() []*int64 {
	return []*int64{&t.Calls, &t.Errors, &t.UnpricedCalls, &t.UnknownUsageCalls, &t.InputTokens, &t.OutputTokens,
		&t.CostMicros, &t.CounterfactualMicros, &t.SavingsBaseMicros, &t.CandidateCalls,
		&t.CandidateCostMicros, &t.FailedAttempts, &t.FailedAttemptMicros}
}

// Add adds o into t.
func (t *Totals) Add(o Totals) {
	dst, src := t.fields(), o.fields()
	for i := range dst {
		*dst[i] += *src[i]
	}
}

// RealizedSavingsMicros = counterfactual − actual, over calls whose
// counterfactual is known.
func (t Totals) RealizedSavingsMicros() int64 { return t.CounterfactualMicros - t.SavingsBaseMicros }

// SpendMicros is everything paid: answers plus failed attempts.
func (t Totals) SpendMicros() int64 { return t.CostMicros + t.FailedAttemptMicros }

// recordTotals is one record's contribution to every bucket it falls in.
func recordTotals(rec *capture.Record) Totals {
	t := Totals{Calls: 1}
	if !rec.OK() {
		t.Errors = 1
	}
	ok2xx := rec.Status >= 200 && rec.Status < 300
	switch {
	case !rec.Usage.Present():
		if ok2xx {
			t.UnknownUsageCalls = 1
		}
	case !rec.Priced:
		t.UnpricedCalls = 1
	}
	t.InputTokens, t.OutputTokens = rec.Usage.Input.Or(0), rec.Usage.Output.Or(0)
	if rec.Priced {
		t.CostMicros = rec.CostMicros
		if cf, ok := counterfactual(rec); ok {
			t.CounterfactualMicros, t.SavingsBaseMicros = cf, rec.CostMicros
		}
	}
	if rec.ServedByCandidate {
		t.CandidateCalls, t.CandidateCostMicros = 1, t.CostMicros
	}
	for _, a := range rec.Attempts {
		if a.ErrorClass != "" || a.Status < 200 || a.Status >= 300 {
			t.FailedAttempts++
			t.FailedAttemptMicros += a.CostMicros
		}
	}
	return t
}

// counterfactual is the record's cost at the primary's price, when known:
// a call the primary answered (or with no primary) is its own counterfactual;
// otherwise 0 means the primary is unpriced.
func counterfactual(rec *capture.Record) (int64, bool) {
	if rec.PrimaryModel == "" || rec.PrimaryModel == AnsweringModel(rec) {
		return rec.CostMicros, true
	}
	return rec.CounterfactualMicros, rec.CounterfactualMicros > 0
}

// rollupKey identifies one rollup row.
type rollupKey struct {
	Period, Dim string
	Bucket      int64
	Value       string
}

// periods are the rollup granularities and their bucket sizes.
var periods = map[string]time.Duration{"hour": time.Hour, "day": 24 * time.Hour}

var periodNames = []string{"hour", "day"}

// Batch is records aggregated into rollup rows, ready to upsert.
type Batch map[rollupKey]*Totals

// Add adds records into b.
func (acc Batch) Add(recs ...*capture.Record) {
	for _, rec := range recs {
		t := recordTotals(rec)
		for _, period := range periodNames {
			size := periods[period]
			b := rec.Time.UTC().Truncate(size).Unix()
			for _, dv := range dimensions(rec) {
				k := rollupKey{period, dv[0], b, dv[1]}
				if acc[k] == nil {
					acc[k] = &Totals{}
				}
				acc[k].Add(t)
			}
		}
	}
}

// dimensions are the (dim, value) pairs a record is counted under. A record
// with several tags counts under each, so tag rows do not add up to "all".
func dimensions(rec *capture.Record) [][2]string {
	out := make([][2]string, 4, 4+len(rec.Tags))
	out[0], out[1], out[2], out[3] = [2]string{"all", ""}, [2]string{"route", rec.Route}, [2]string{"model", AnsweringModel(rec)}, [2]string{"key", rec.KeyID}
	for i, tag := range rec.Tags {
		if !slices.Contains(rec.Tags[:i], tag) {
			out = append(out, [2]string{"tag", tag})
		}
	}
	return out
}

// OnBatch is the capture writer's hook: it adds a batch of records to the
// rollups inside the writer's transaction, so rollups and captures commit
// together. Rows are upserted in key order (no deadlocks between replicas).
func (r *Rollups) OnBatch(ctx context.Context, tx *sql.Tx, dialect store.Dialect, recs []*capture.Record) error {
	_ = dialect // the upsert below is the same on SQLite and PostgreSQL
	b := Batch{}
	b.Add(recs...)
	return writeBatch(ctx, tx, b)
}

// Write upserts an aggregated batch in its own transaction (used to seed or
// backfill rollups without going through the capture writer).
func (r *Rollups) Write(ctx context.Context, b Batch) error {
	tx, err := r.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("costs rollups: begin: %w", err)
	}
	defer tx.Rollback()
	if err := writeBatch(ctx, tx, b); err != nil {
		return err
	}
	return tx.Commit()
}

// writeBatch upserts aggregated rows.
func writeBatch(ctx context.Context, tx *sql.Tx, acc Batch) error {
	if len(acc) == 0 {
		return nil
	}
	stmt, err := tx.PrepareContext(ctx, upsertSQL())
	if err != nil {
		return fmt.Errorf("costs rollups: prepare upsert: %w", err)
	}
	defer stmt.Close()
	keys := sortedRollupKeys(acc)
	args := make([]any, 4+len(sumColumns))
	for _, k := range keys {
		args[0], args[1], args[2], args[3] = k.Period, k.Dim, k.Bucket, k.Value
		for i, p := range acc[k].fields() {
			args[4+i] = *p
		}
		if _, err := stmt.ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("costs rollups: upsert: %w", err)
		}
	}
	return nil
}

func sortedRollupKeys(acc Batch) []rollupKey {
	keys := make([]rollupKey, 0, len(acc))
	for k := range acc {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.Period != b.Period {
			return a.Period < b.Period
		}
		if a.Dim != b.Dim {
			return a.Dim < b.Dim
		}
		if a.Bucket != b.Bucket {
			return a.Bucket < b.Bucket
		}
		return a.Value < b.Value
	})
	return keys
}

// upsertSQL is INSERT … ON CONFLICT … DO UPDATE SET x = cost_rollups.x + excluded.x,
// accepted by both SQLite (≥ 3.24) and PostgreSQL.
func upsertSQL() string {
	ph := make([]string, 4+len(sumColumns))
	for i := range ph {
		ph[i] = fmt.Sprintf("$%d", i+1)
	}
	sets := make([]string, len(sumColumns))
	for i, c := range sumColumns {
		sets[i] = fmt.Sprintf("%s = cost_rollups.%s + excluded.%s", c, c, c)
	}
	return "INSERT INTO cost_rollups (period, dim, bucket, value, " + strings.Join(sumColumns, ", ") +
		") VALUES (" + strings.Join(ph, ", ") + ") ON CONFLICT (period, dim, bucket, value) DO UPDATE SET " +
		strings.Join(sets, ", ")
}
