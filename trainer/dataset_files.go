package trainer

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"

	"github.com/fledgling-ai/fledgling/internal/store"
)

// Dataset files are also stored in the database (trainer_dataset_files), so
// a worker on another machine, without the builder's work_dir, can
// materialise the exact files it trains on (checked against the manifest's
// hashes).

func insertFiles(ctx context.Context, tx *sql.Tx, d *Dataset) error {
	for name := range d.Manifest.Files {
		b, err := os.ReadFile(filepath.Join(d.Dir, name))
		if err != nil {
			return fmt.Errorf("read dataset file: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO trainer_dataset_files (dataset_id, name, content) VALUES ($1,$2,$3)`,
			d.ID, name, string(b)); err != nil {
			return fmt.Errorf("store dataset file %s: %w", name, err)
		}
	}
	return nil
}

// EnsureLocal makes sure d's files are present and intact on this machine:
// when d.Dir is missing or a file's hash differs, the files are written from
// the database under workDir and d.Dir points there.
func EnsureLocal(ctx context.Context, db *store.DB, d *Dataset, workDir string) error {
	if filesIntact(d, d.Dir) {
		return nil
	}
	dir := filepath.Join(workDir, "datasets", safeName(d.Route), fmt.Sprintf("v%d", d.Version))
	if dir != d.Dir && filesIntact(d, dir) {
		d.Dir = dir
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, fi := range d.Manifest.Files {
		var content string
		if err := db.QueryRowContext(ctx, `SELECT content FROM trainer_dataset_files WHERE dataset_id = $1 AND name = $2`, d.ID, name).Scan(&content); err != nil {
			return fmt.Errorf("dataset %s file %s: %w", d.ID, name, err)
		}
		if sha256Hex([]byte(content)) != fi.SHA256 {
			return fmt.Errorf("dataset %s file %s: stored content does not match the manifest", d.ID, name)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			return err
		}
	}
	d.Dir = dir
	return nil
}

func filesIntact(d *Dataset, dir string) bool {
	for name, fi := range d.Manifest.Files {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || sha256Hex(b) != fi.SHA256 {
			return false
		}
	}
	return true
}
