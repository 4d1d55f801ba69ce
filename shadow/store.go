package shadow

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/fledgling-ai/fledgling/internal/store"
)

// Store keeps every pair and the hourly aggregates evidence is read from.
type Store struct {
	db    *store.DB
	alpha float64
	group group // pairs waiting to be committed (groupcommit.go)
}

// NewStore migrates the shadow tables on db. alpha is the error level of the
// intervals Evidence reports (e.g. 0.05).
func NewStore(ctx context.Context, db *store.DB, alpha float64) (*Store, error) {
	if err := db.Migrate(ctx, component, migrations); err != nil {
		return nil, err
	}
	if alpha <= 0 || alpha >= 1 {
		alpha = 0.05
	}
	return &Store{db: db, alpha: alpha}, nil
}

// Alpha is the error level of the reported intervals.
func (s *Store) Alpha() float64 { return s.alpha }

func hourOf(t time.Time) int64 { return t.Unix() / 3600 * 3600 }

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// addTx stores the pairs and folds them into the aggregates, in one
// transaction.
func (s *Store) addTx(ctx context.Context, pairs []*Pair) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("shadow store: begin: %w", err)
	}
	defer tx.Rollback()
	stmts := newTxStmts(tx)
	defer stmts.close()
	for _, p := range pairs {
		if err := insertPair(ctx, stmts, p); err != nil {
			return fmt.Errorf("shadow store: insert pair: %w", err)
		}
		if err := addAggregates(ctx, stmts, p); err != nil {
			return fmt.Errorf("shadow store: aggregates: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("shadow store: commit: %w", err)
	}
	return nil
}

func insertPair(ctx context.Context, tx *txStmts, p *Pair) error {
	usage, _ := json.Marshal(p.CandidateUsage)
	scores, _ := json.Marshal(p.Scores)
	q := `INSERT INTO shadow_pairs (capture_id, time_us, route, model, version, task_key, is_reverse,
		candidate_output, reference_output, cand_status, cand_latency_us, cand_usage, cand_cost, cand_priced, cand_error,
		prim_status, prim_latency_us, prim_cost, prim_priced, prim_error, scores, judge_cost)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22) RETURNING id`
	args := []any{p.CaptureID, p.Time.UnixMicro(), p.Route, p.Model, p.Version, p.TaskKey, b2i(p.Reverse),
		nullText(p.CandidateOutput), nullText(p.ReferenceOutput), p.CandidateStatus, p.CandidateLatency.Microseconds(),
		string(usage), p.CandidateCost, b2i(p.CandidatePriced), p.CandidateError,
		p.PrimaryStatus, p.PrimaryLatency.Microseconds(), p.PrimaryCost, b2i(p.PrimaryPriced), p.PrimaryError,
		string(scores), p.JudgeCost}
	return tx.scanRow(ctx, q, args, &p.ID)
}

func nullText(b json.RawMessage) any {
	if len(b) == 0 {
		return nil
	}
	return string(b)
}

func addAggregates(ctx context.Context, tx *txStmts, p *Pair) error {
	h := hourOf(p.Time)
	both := p.CandidatePriced && p.PrimaryPriced
	bothC, bothP := int64(0), int64(0)
	if both {
		bothC, bothP = p.CandidateCost, p.PrimaryCost
	}
	judgeCalls := 0
	for _, r := range p.Scores {
		if r.Evaluator == "llm_judge" && !r.Skipped {
			judgeCalls = 1
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO shadow_pair_hourly (route, model, version, hour, pairs, reverse_pairs,
		cand_errors, prim_errors, cand_cost, cand_priced, prim_cost, prim_priced, both_cand_cost, both_prim_cost, both_priced, judge_cost, judge_calls)
		VALUES ($1,$2,$3,$4,1,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16)
		ON CONFLICT (route, model, version, hour) DO UPDATE SET pairs = shadow_pair_hourly.pairs + 1,
		reverse_pairs = shadow_pair_hourly.reverse_pairs + excluded.reverse_pairs,
		cand_errors = shadow_pair_hourly.cand_errors + excluded.cand_errors, prim_errors = shadow_pair_hourly.prim_errors + excluded.prim_errors,
		cand_cost = shadow_pair_hourly.cand_cost + excluded.cand_cost, cand_priced = shadow_pair_hourly.cand_priced + excluded.cand_priced,
		prim_cost = shadow_pair_hourly.prim_cost + excluded.prim_cost, prim_priced = shadow_pair_hourly.prim_priced + excluded.prim_priced,
		both_cand_cost = shadow_pair_hourly.both_cand_cost + excluded.both_cand_cost, both_prim_cost = shadow_pair_hourly.both_prim_cost + excluded.both_prim_cost,
		both_priced = shadow_pair_hourly.both_priced + excluded.both_priced,
		judge_cost = shadow_pair_hourly.judge_cost + excluded.judge_cost, judge_calls = shadow_pair_hourly.judge_calls + excluded.judge_calls`,
		p.Route, p.Model, p.Version, h, b2i(p.Reverse), b2i(p.CandidateError != ""), b2i(p.PrimaryError != ""),
		pricedCost(p.CandidateCost, p.CandidatePriced), b2i(p.CandidatePriced), pricedCost(p.PrimaryCost, p.PrimaryPriced), b2i(p.PrimaryPriced),
		bothC, bothP, b2i(both), p.JudgeCost, judgeCalls); err != nil {
		return err
	}
	for _, r := range flatScores(p.Scores) {
		if _, err := tx.ExecContext(ctx, `INSERT INTO shadow_eval_hourly (route, model, version, evaluator, hour, n, passes, score_sum)
			VALUES ($1,$2,$3,$4,$5,1,$6,$7) ON CONFLICT (route, model, version, evaluator, hour) DO UPDATE SET
			n = shadow_eval_hourly.n + 1, passes = shadow_eval_hourly.passes + excluded.passes, score_sum = shadow_eval_hourly.score_sum + excluded.score_sum`,
			p.Route, p.Model, p.Version, r.Evaluator, h, b2i(r.Pass), r.Score); err != nil {
			return err
		}
	}
	return addLatencies(ctx, tx, p, h)
}

func addLatencies(ctx context.Context, tx *txStmts, p *Pair, h int64) error {
	for _, side := range []struct {
		name string
		d    time.Duration
		ok   bool
	}{{"candidate", p.CandidateLatency, p.CandidateError == ""}, {"primary", p.PrimaryLatency, p.PrimaryError == ""}} {
		if !side.ok || side.d <= 0 {
			continue // latency of failed calls would flatter a fast failure
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO shadow_latency_hourly (route, model, version, side, hour, bucket, n)
			VALUES ($1,$2,$3,$4,$5,$6,1) ON CONFLICT (route, model, version, side, hour, bucket) DO UPDATE SET n = shadow_latency_hourly.n + 1`,
			p.Route, p.Model, p.Version, side.name, h, latencyBucket(side.d)); err != nil {
			return err
		}
	}
	return nil
}

func pricedCost(c int64, priced bool) int64 {
	if !priced {
		return 0
	}
	return c
}
