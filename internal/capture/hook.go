package capture

import (
	"context"
	"database/sql"

	"github.com/fledgling-ai/fledgling/internal/store"
)

// BatchHook maintains a derived table (e.g. cost rollups) in the same
// transaction as each batch of captures, so the derived data never disagrees
// with the records it was derived from. recs holds only the records that were
// newly inserted by this transaction: a replayed record already stored is not
// passed again, so hooks see every record exactly once. An error rolls the
// whole batch back; it is then retried from the spill journal.
type BatchHook interface {
	OnBatch(ctx context.Context, tx *sql.Tx, dialect store.Dialect, recs []*Record) error
}
