package promotion

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/fledgling-ai/fledgling/internal/capture"
	"github.com/fledgling-ai/fledgling/internal/store"
	"github.com/fledgling-ai/fledgling/router"
)

// ServingCounter counts, per route, candidate model and hour, the calls a
// candidate was chosen to serve and how many of them it failed (the gateway
// then fell back to the primary, invisibly to the user). It is a capture
// batch hook, so the counts commit with the captures they come from; the
// evidence adapter adds them to the candidate's error rate so serving
// failures count against it.
type ServingCounter struct{ db *store.DB }

var servingMigrations = []store.Migration{{Version: 1, Default: `CREATE TABLE IF NOT EXISTS promotion_serving_hourly (
	route TEXT NOT NULL, model TEXT NOT NULL, hour BIGINT NOT NULL, served BIGINT NOT NULL, failed BIGINT NOT NULL,
	PRIMARY KEY (route, model, hour))`}}

// OpenServingCounter migrates its table.
func OpenServingCounter(ctx context.Context, db *store.DB) (*ServingCounter, error) {
	if err := db.Migrate(ctx, "promotion_serving", servingMigrations); err != nil {
		return nil, fmt.Errorf("promotion serving counter: %w", err)
	}
	return &ServingCounter{db: db}, nil
}

// candidateServed reports whether the router put a candidate first for rec,
// and whether the candidate failed it.
func candidateServed(rec *capture.Record) (served, failed bool) {
	if rec.Route == "" || rec.TargetModel == "" || rec.TargetModel == rec.PrimaryModel {
		return false, false
	}
	switch {
	case strings.HasPrefix(rec.Stage, router.StageCanary), rec.Stage == router.StagePromoted,
		rec.Stage == router.StagePinned, rec.Stage == router.StagePaused, rec.Stage == "learned":
	default:
		return false, false
	}
	return true, rec.AnsweringModel != rec.TargetModel || !rec.OK()
}

// OnBatch implements capture.BatchHook.
func (s *ServingCounter) OnBatch(ctx context.Context, tx *sql.Tx, _ store.Dialect, recs []*capture.Record) error {
	for _, rec := range recs {
		served, failed := candidateServed(rec)
		if !served {
			continue
		}
		f := 0
		if failed {
			f = 1
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO promotion_serving_hourly (route, model, hour, served, failed) VALUES ($1, $2, $3, 1, $4)
			ON CONFLICT (route, model, hour) DO UPDATE SET served = promotion_serving_hourly.served + 1, failed = promotion_serving_hourly.failed + excluded.failed`,
			rec.Route, rec.TargetModel, rec.Time.Unix()/3600*3600, f)
		if err != nil {
			return fmt.Errorf("count candidate serving: %w", err)
		}
	}
	return nil
}

// Serving returns the calls the candidate model served on route from
// since's hour on, and how many it failed.
func (s *ServingCounter) Serving(ctx context.Context, route, model string, since time.Time) (served, failed int64, err error) {
	err = s.db.QueryRowContext(ctx, `SELECT CAST(COALESCE(SUM(served),0) AS BIGINT), CAST(COALESCE(SUM(failed),0) AS BIGINT)
		FROM promotion_serving_hourly WHERE route = $1 AND model = $2 AND hour >= $3`, route, model, since.Unix()/3600*3600).Scan(&served, &failed)
	if err != nil {
		return 0, 0, fmt.Errorf("read candidate serving: %w", err)
	}
	return served, failed, nil
}
