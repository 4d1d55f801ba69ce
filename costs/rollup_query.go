package costs

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Row is one rollup bucket of one dimension value.
type Row struct {
	Bucket time.Time
	Value  string
	Totals
}

// Rows returns the rollup rows of dim ("all", "route", "model", "key",
// "tag") at period ("hour", "day") whose bucket starts in [from, to), ordered
// by bucket. It reads only the rollup table, never raw captures.
func (r *Rollups) Rows(ctx context.Context, period, dim string, from, to time.Time) ([]Row, error) {
	q := "SELECT bucket, value, " + strings.Join(sumColumns, ", ") +
		" FROM cost_rollups WHERE period = $1 AND dim = $2 AND bucket >= $3 AND bucket < $4 ORDER BY bucket, value"
	rows, err := r.db.QueryContext(ctx, q, period, dim, from.Unix(), to.Unix())
	if err != nil {
		return nil, fmt.Errorf("costs rollups: query %s/%s: %w", period, dim, err)
	}
	defer rows.Close()
	var out []Row
	for rows.Next() {
		var row Row
		var b int64
		dst := append([]any{&b, &row.Value}, ptrs(&row.Totals)...)
		if err := rows.Scan(dst...); err != nil {
			return nil, fmt.Errorf("costs rollups: scan: %w", err)
		}
		row.Bucket = time.Unix(b, 0).UTC()
		out = append(out, row)
	}
	return out, rows.Err()
}

// Point is one bucket of one value in a time series: the few sums a chart
// needs, read without the other columns (a 30-day hourly view is thousands
// of points, and scanning is most of its cost).
type Point struct {
	Bucket                                  time.Time
	Value                                   string
	Calls, CostMicros, CounterfactualMicros int64
	SavingsBaseMicros, FailedAttemptMicros  int64
}

// RealizedSavingsMicros = counterfactual − actual over calls with a known counterfactual.
func (p Point) RealizedSavingsMicros() int64 { return p.CounterfactualMicros - p.SavingsBaseMicros }

// Series returns dim's points at period for buckets starting in [from, to),
// ordered by bucket.
func (r *Rollups) Series(ctx context.Context, period, dim string, from, to time.Time) ([]Point, error) {
	q := "SELECT bucket, value, calls, cost_micros, counterfactual_micros, savings_base_micros, failed_attempt_micros" +
		" FROM cost_rollups WHERE period = $1 AND dim = $2 AND bucket >= $3 AND bucket < $4 ORDER BY bucket, value"
	rows, err := r.db.QueryContext(ctx, q, period, dim, from.Unix(), to.Unix())
	if err != nil {
		return nil, fmt.Errorf("costs rollups: series %s/%s: %w", period, dim, err)
	}
	defer rows.Close()
	var out []Point
	for rows.Next() {
		var p Point
		var b int64
		if err := rows.Scan(&b, &p.Value, &p.Calls, &p.CostMicros, &p.CounterfactualMicros, &p.SavingsBaseMicros, &p.FailedAttemptMicros); err != nil {
			return nil, fmt.Errorf("costs rollups: scan: %w", err)
		}
		p.Bucket = time.Unix(b, 0).UTC()
		out = append(out, p)
	}
	return out, rows.Err()
}

// Sums returns dim's totals per value over buckets starting in [from, to).
// For period "hour" the whole days inside the range are read from the day
// rows (which hold the same sums), so a 30-day sum reads ~30 + 48 rows per
// value rather than 720.
func (r *Rollups) Sums(ctx context.Context, period, dim string, from, to time.Time) (map[string]Totals, error) {
	return r.sums(ctx, period, dim, from, to, "")
}

// Unpriced is Sums of the "model" dimension restricted to rows with
// unpriced or unknown-usage calls.
func (r *Rollups) Unpriced(ctx context.Context, period string, from, to time.Time) (map[string]Totals, error) {
	return r.sums(ctx, period, "model", from, to, " AND (unpriced_calls > 0 OR unknown_usage_calls > 0)")
}

func (r *Rollups) sums(ctx context.Context, period, dim string, from, to time.Time, filter string) (map[string]Totals, error) {
	cols := strings.Join(sumColumns, ", ")
	sums := make([]string, len(sumColumns))
	for i, c := range sumColumns {
		sums[i] = "CAST(SUM(" + c + ") AS BIGINT)"
	}
	ranges := splitDays(period, from, to)
	parts := make([]string, len(ranges))
	args := []any{dim}
	for i, rg := range ranges {
		n := len(args)
		parts[i] = fmt.Sprintf("SELECT value, %s FROM cost_rollups WHERE period = $%d AND dim = $1 AND bucket >= $%d AND bucket < $%d%s",
			cols, n+1, n+2, n+3, filter)
		args = append(args, rg.period, rg.from.Unix(), rg.to.Unix())
	}
	q := "SELECT value, " + strings.Join(sums, ", ") + " FROM (" + strings.Join(parts, " UNION ALL ") + ") AS r GROUP BY value"
	rows, err := r.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("costs rollups: sum %s/%s: %w", period, dim, err)
	}
	defer rows.Close()
	out := map[string]Totals{}
	for rows.Next() {
		var v string
		var t Totals
		if err := rows.Scan(append([]any{&v}, ptrs(&t)...)...); err != nil {
			return nil, fmt.Errorf("costs rollups: scan: %w", err)
		}
		out[v] = t
	}
	return out, rows.Err()
}

type span struct {
	period   string
	from, to time.Time
}

// splitDays covers [from, to) with hour rows at the ragged ends and day rows
// for the whole days between.
func splitDays(period string, from, to time.Time) []span {
	day := 24 * time.Hour
	firstDay := from.Truncate(day)
	if firstDay.Before(from) {
		firstDay = firstDay.Add(day)
	}
	lastDay := to.Truncate(day)
	if period != "hour" || !firstDay.Before(lastDay) {
		return []span{{period, from, to}}
	}
	return []span{{"hour", from, firstDay}, {"day", firstDay, lastDay}, {"hour", lastDay, to}}
}

func ptrs(t *Totals) []any {
	fs := t.fields()
	out := make([]any, len(fs))
	for i, p := range fs {
		out[i] = p
	}
	return out
}
