package trainer

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// frozenItem is a test item kept from an earlier dataset version.
type frozenItem struct {
	TaskKey         string
	OpenAI, Neutral []byte
}

func (b *Builder) loadFrozen(ctx context.Context, route string) (map[string]frozenItem, error) {
	rows, err := b.DB.QueryContext(ctx, `SELECT item_id, task_key, openai_line, neutral_line FROM trainer_frozen_test WHERE route = $1`, route)
	if err != nil {
		return nil, fmt.Errorf("read frozen test set: %w", err)
	}
	defer rows.Close()
	out := map[string]frozenItem{}
	for rows.Next() {
		var id, tk, o, n string
		if err := rows.Scan(&id, &tk, &o, &n); err != nil {
			return nil, err
		}
		out[id] = frozenItem{TaskKey: tk, OpenAI: []byte(o), Neutral: []byte(n)}
	}
	return out, rows.Err()
}

// splitLines holds each split's lines in both formats.
type splitLines struct {
	openai, neutral map[string][][]byte
	newFrozen       []*Example
	taskKeys        map[string]int
}

func (b *Builder) arrange(col *collector, frozen map[string]frozenItem) *splitLines {
	taskOf := map[string]string{}
	for _, ex := range col.examples {
		if _, ok := taskOf[ex.ItemID]; !ok {
			taskOf[ex.ItemID] = ex.TaskKey
		}
	}
	frozenIDs := make(map[string]bool, len(frozen))
	for id := range frozen {
		frozenIDs[id] = true
	}
	sp := splitter{seed: b.Options.Seed, valFrac: b.Options.ValidationFraction, tstFrac: b.Options.TestFraction, frozen: frozenIDs}
	assigned := sp.assign(taskOf)
	sl := &splitLines{openai: map[string][][]byte{}, neutral: map[string][][]byte{}, taskKeys: map[string]int{}}
	inTest := map[string]bool{}
	for _, ex := range col.examples {
		split := assigned[ex.ItemID]
		o, n := ex.OpenAI, ex.Neutral
		if split == SplitTest {
			if inTest[ex.ItemID] {
				continue
			}
			inTest[ex.ItemID] = true
			if f, ok := frozen[ex.ItemID]; ok {
				o, n = f.OpenAI, f.Neutral
			} else {
				sl.newFrozen = append(sl.newFrozen, ex)
			}
		}
		sl.add(split, ex.TaskKey, o, n)
	}
	b.carryFrozen(sl, frozen, inTest, &col.counts)
	return sl
}

// carryFrozen adds frozen test items that are no longer in the window, so
// the test set never shrinks between versions.
func (b *Builder) carryFrozen(sl *splitLines, frozen map[string]frozenItem, inTest map[string]bool, c *Counts) {
	ids := make([]string, 0, len(frozen))
	for id := range frozen {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if !inTest[id] {
			sl.add(SplitTest, frozen[id].TaskKey, frozen[id].OpenAI, frozen[id].Neutral)
		}
	}
	c.TestFrozen = len(frozen)
}

func (sl *splitLines) add(split, taskKey string, o, n []byte) {
	sl.openai[split] = append(sl.openai[split], o)
	sl.neutral[split] = append(sl.neutral[split], n)
	sl.taskKeys[taskKey]++
}

func (b *Builder) write(ctx context.Context, route string, win Window, col *collector, frozen map[string]frozenItem) (*Dataset, error) {
	sl := b.arrange(col, frozen)
	c := col.counts
	c.Train, c.Validation, c.Test = len(sl.openai[SplitTrain]), len(sl.openai[SplitValidation]), len(sl.openai[SplitTest])
	var version int
	if err := b.DB.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) + 1 FROM trainer_datasets WHERE route = $1`, route).Scan(&version); err != nil {
		return nil, fmt.Errorf("next dataset version: %w", err)
	}
	d := &Dataset{ID: fmt.Sprintf("ds-%s-v%d", safeName(route), version), Route: route, Version: version,
		Dir: filepath.Join(b.WorkDir, "datasets", safeName(route), fmt.Sprintf("v%d", version))}
	d.Manifest = Manifest{ID: d.ID, Route: route, Version: version, CreatedAt: b.now(), Window: win,
		Filters: b.filters(), Counts: c, TaskKeys: sl.taskKeys}
	if err := writeFiles(d, sl); err != nil {
		return nil, err
	}
	if err := b.insert(ctx, d, sl.newFrozen); err != nil {
		return nil, err
	}
	b.Metrics.dataset(d)
	return d, nil
}

// writeFiles writes the six split files and manifest.json into a temporary
// directory and renames it into place, so a crash leaves no half dataset.
func writeFiles(d *Dataset, sl *splitLines) error {
	tmp := d.Dir + ".tmp"
	os.RemoveAll(tmp)
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return fmt.Errorf("dataset dir: %w", err)
	}
	d.Manifest.Files = map[string]FileInfo{}
	var hashes []string
	for _, format := range []string{"openai", "neutral"} {
		lines := sl.openai
		if format == "neutral" {
			lines = sl.neutral
		}
		for _, split := range []string{SplitTrain, SplitValidation, SplitTest} {
			name := fileName(split, format)
			data := joinLines(lines[split])
			if err := os.WriteFile(filepath.Join(tmp, name), data, 0o644); err != nil {
				return fmt.Errorf("write %s: %w", name, err)
			}
			fi := FileInfo{Path: filepath.Join(d.Dir, name), Lines: len(lines[split]), SHA256: sha256Hex(data)}
			d.Manifest.Files[name] = fi
			hashes = append(hashes, name+":"+fi.SHA256)
		}
	}
	sort.Strings(hashes)
	d.Manifest.ContentHash = sha256Hex([]byte(strings.Join(hashes, "\n")))
	man, _ := json.MarshalIndent(d.Manifest, "", "  ")
	if err := os.WriteFile(filepath.Join(tmp, FileManifest), man, 0o644); err != nil {
		return fmt.Errorf("write manifest: %w", err)
	}
	os.RemoveAll(d.Dir)
	return os.Rename(tmp, d.Dir)
}

func joinLines(lines [][]byte) []byte {
	var b bytes.Buffer
	for _, l := range lines {
		b.Write(l)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

func (b *Builder) insert(ctx context.Context, d *Dataset, newFrozen []*Example) error {
	man, _ := json.Marshal(d.Manifest)
	tx, err := b.DB.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	m := d.Manifest
	if _, err := tx.ExecContext(ctx, `INSERT INTO trainer_datasets (id, route, version, created_ms, window_from_ms, window_to_ms, examples, content_hash, dir, manifest)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)`, d.ID, d.Route, d.Version, ms(m.CreatedAt), ms(m.Window.From), ms(m.Window.To),
		m.Counts.Train+m.Counts.Validation+m.Counts.Test, m.ContentHash, d.Dir, string(man)); err != nil {
		return fmt.Errorf("store dataset: %w", err)
	}
	if err := insertFiles(ctx, tx, d); err != nil {
		return err
	}
	for _, ex := range newFrozen {
		if _, err := tx.ExecContext(ctx, `INSERT INTO trainer_frozen_test (route, item_id, task_key, dataset_id, created_ms, openai_line, neutral_line)
			VALUES ($1,$2,$3,$4,$5,$6,$7)`, d.Route, ex.ItemID, ex.TaskKey, d.ID, ms(m.CreatedAt), string(ex.OpenAI), string(ex.Neutral)); err != nil {
			return fmt.Errorf("freeze test item: %w", err)
		}
	}
	return tx.Commit()
}

func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}
