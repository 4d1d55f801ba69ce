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

// Sums returns dim's totals per value over buckets starting in [from, to).
func (r *Rollups) Sums(ctx context.Context, period, dim string, from, to time.Time) (map[string]Totals, error) {
	sums := make([]string, len(sumColumns))
	for i, c := range sumColumns {
		sums[i] = "CAST(SUM(" + c + ") AS BIGINT)"
	}
	q := "SELECT value, " + strings.Join(sums, ", ") +
		" FROM cost_rollups WHERE period = $1 AND dim = $2 AND bucket >= $3 AND bucket < $4 GROUP BY value"
	rows, err := r.db.QueryContext(ctx, q, period, dim, from.Unix(), to.Unix())
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

func ptrs(t *Totals) []any {
	fs := t.fields()
	out := make([]any, len(fs))
	for i, p := range fs {
		out[i] = p
	}
	return out
}
