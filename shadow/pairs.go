package shadow

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/fledgling-ai/fledgling/shadow/eval"
)

// PairQuery selects stored pairs, newest first.
type PairQuery struct {
	Route, Model, Version string    // empty: any
	Since                 time.Time // zero: all
	// Failed keeps only pairs the candidate failed (an error or any failed
	// evaluator): the examples a retraining round should see.
	Failed bool
	Limit  int // default 100, at most 10000
}

// Pairs reads stored pairs (for the trainer, the dashboard and debugging).
func (s *Store) Pairs(ctx context.Context, q PairQuery) ([]Pair, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 10000)
	rows, err := s.db.QueryContext(ctx, `SELECT id, capture_id, time_us, route, model, version, task_key, is_reverse,
		candidate_output, reference_output, cand_status, cand_latency_us, cand_usage, cand_cost, cand_priced, cand_error,
		prim_status, prim_latency_us, prim_cost, prim_priced, prim_error, scores, judge_cost
		FROM shadow_pairs WHERE ($1 = '' OR route = $1) AND ($2 = '' OR model = $2) AND ($3 = '' OR version = $3) AND time_us >= $4
		ORDER BY time_us DESC, id DESC`, q.Route, q.Model, q.Version, sinceMicros(q.Since))
	if err != nil {
		return nil, fmt.Errorf("shadow pairs: %w", err)
	}
	defer rows.Close()
	var out []Pair
	for rows.Next() && len(out) < limit {
		p, err := scanPair(rows)
		if err != nil {
			return nil, fmt.Errorf("shadow pairs: %w", err)
		}
		if !q.Failed || candidateFailed(&p) {
			out = append(out, p)
		}
	}
	return out, rows.Err()
}

func sinceMicros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

func candidateFailed(p *Pair) bool {
	if p.PrimaryError != "" {
		return false // nothing to learn from: no reference
	}
	if p.CandidateError != "" {
		return true
	}
	for _, r := range p.Scores {
		if !r.Skipped && !r.Pass {
			return true
		}
	}
	return false
}

func scanPair(rows *sql.Rows) (Pair, error) {
	var p Pair
	var at, candLat, primLat int64
	var rev, candPriced, primPriced int
	var candOut, refOut, usage, scores sql.NullString
	err := rows.Scan(&p.ID, &p.CaptureID, &at, &p.Route, &p.Model, &p.Version, &p.TaskKey, &rev,
		&candOut, &refOut, &p.CandidateStatus, &candLat, &usage, &p.CandidateCost, &candPriced, &p.CandidateError,
		&p.PrimaryStatus, &primLat, &p.PrimaryCost, &primPriced, &p.PrimaryError, &scores, &p.JudgeCost)
	if err != nil {
		return p, err
	}
	p.Time = time.UnixMicro(at).UTC()
	p.Reverse, p.CandidatePriced, p.PrimaryPriced = rev == 1, candPriced == 1, primPriced == 1
	p.CandidateLatency, p.PrimaryLatency = time.Duration(candLat)*time.Microsecond, time.Duration(primLat)*time.Microsecond
	if candOut.Valid {
		p.CandidateOutput = json.RawMessage(candOut.String)
	}
	if refOut.Valid {
		p.ReferenceOutput = json.RawMessage(refOut.String)
	}
	if usage.Valid {
		json.Unmarshal([]byte(usage.String), &p.CandidateUsage)
	}
	if scores.Valid {
		var rs []eval.Result
		if json.Unmarshal([]byte(scores.String), &rs) == nil {
			p.Scores = rs
		}
	}
	return p, nil
}
