package trainer

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/fledgling-ai/fledgling/internal/capture"
	"github.com/fledgling-ai/fledgling/internal/config"
	"github.com/fledgling-ai/fledgling/internal/store"
)

// Dataset is one stored dataset version.
type Dataset struct {
	ID       string   `json:"id"`
	Route    string   `json:"route"`
	Version  int      `json:"version"`
	Dir      string   `json:"dir"`
	Manifest Manifest `json:"manifest"`
}

// Path of a split file in a format ("openai" or "neutral").
func (d *Dataset) Path(split, format string) string {
	return filepath.Join(d.Dir, fileName(split, format))
}

// ErrNoExamples is returned when a route has nothing to train on.
var ErrNoExamples = errors.New("no usable examples")

// Builder turns a route's captures into dataset versions.
type Builder struct {
	DB       *store.DB
	Source   CaptureSource
	Redactor Redactor // nil: no redaction beyond what capture applied
	WorkDir  string
	Options  config.TrainerDataset
	Now      func() time.Time
	Metrics  *Metrics
}

// Progress is called while captures are read.
type Progress func(scanned, kept int)

// Build reads the route's captures in the configured window, selects,
// de-duplicates, redacts and splits them, writes the files and stores the
// manifest. The test set is frozen: its items stay in test in later versions.
func (b *Builder) Build(ctx context.Context, route string, progress Progress) (*Dataset, error) {
	now := b.now()
	win := Window{From: time.Unix(0, 0).UTC(), To: now}
	if b.Options.Window > 0 {
		win.From = now.Add(-b.Options.Window)
	}
	col := b.collector(progress)
	if err := b.Source.Scan(ctx, route, win.From, win.To, col.add); err != nil {
		return nil, fmt.Errorf("read captures of %s: %w", route, err)
	}
	if len(col.examples) == 0 {
		return nil, fmt.Errorf("route %s: %w (%d captures read)", route, ErrNoExamples, col.counts.Scanned)
	}
	frozen, err := b.loadFrozen(ctx, route)
	if err != nil {
		return nil, err
	}
	return b.write(ctx, route, win, col, frozen)
}

func (b *Builder) now() time.Time {
	if b.Now != nil {
		return b.Now().UTC()
	}
	return time.Now().UTC()
}

func (b *Builder) redactor() Redactor {
	if b.Redactor == nil {
		return nopRedactor{}
	}
	return b.Redactor
}

func (b *Builder) filters() Filters {
	o := b.Options
	return Filters{Require: o.Require, IncludeCandidate: o.IncludeCandidate, NearDedup: o.NearDedup == nil || *o.NearDedup,
		Normalisation: normalisationDoc, Seed: o.Seed, ValidationFraction: o.ValidationFraction,
		TestFraction: o.TestFraction, Redaction: b.Redactor != nil}
}

// CountNew counts the route's captures since since that would be kept
// (before de-duplication): the trigger's "enough new examples".
func (b *Builder) CountNew(ctx context.Context, route string, since time.Time) (int, error) {
	col := b.collector(nil)
	n := 0
	err := b.Source.Scan(ctx, route, since, b.now(), func(r *capture.Record) error {
		if col.reject(r) == nil {
			n++
		}
		return nil
	})
	return n, err
}

// LastDataset returns the route's newest dataset version, or nil.
func (b *Builder) LastDataset(ctx context.Context, route string) (*Dataset, error) {
	ds, err := queryDatasets(ctx, b.DB, `WHERE route = $1 ORDER BY version DESC LIMIT 1`, route)
	if err != nil || len(ds) == 0 {
		return nil, err
	}
	return ds[0], nil
}

// Datasets lists dataset versions, newest first; route "" lists all routes.
func (b *Builder) Datasets(ctx context.Context, route string) ([]*Dataset, error) {
	if route == "" {
		return queryDatasets(ctx, b.DB, `ORDER BY created_ms DESC, version DESC`)
	}
	return queryDatasets(ctx, b.DB, `WHERE route = $1 ORDER BY version DESC`, route)
}

// GetDataset returns one dataset version by id.
func GetDataset(ctx context.Context, db *store.DB, id string) (*Dataset, error) {
	ds, err := queryDatasets(ctx, db, `WHERE id = $1`, id)
	if err != nil {
		return nil, err
	}
	if len(ds) == 0 {
		return nil, fmt.Errorf("dataset %q: %w", id, sql.ErrNoRows)
	}
	return ds[0], nil
}

func queryDatasets(ctx context.Context, db *store.DB, where string, args ...any) ([]*Dataset, error) {
	rows, err := db.QueryContext(ctx, `SELECT id, route, version, dir, manifest FROM trainer_datasets `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("query datasets: %w", err)
	}
	defer rows.Close()
	var out []*Dataset
	for rows.Next() {
		d, man := &Dataset{}, ""
		if err := rows.Scan(&d.ID, &d.Route, &d.Version, &d.Dir, &man); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(man), &d.Manifest); err != nil {
			return nil, fmt.Errorf("dataset %s manifest: %w", d.ID, err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// safeName makes a route name usable as a directory name.
func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || r == '_' || r == '.' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			return r
		}
		return '_'
	}, s)
}
