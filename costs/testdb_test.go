package costs

import (
	"testing"

	"github.com/fledgling-ai/fledgling/internal/store"
	"github.com/fledgling-ai/fledgling/internal/store/storetest"
)

// testDBs opens a fresh SQLite file and a fresh PostgreSQL schema, so tests
// running concurrently never see each other's rollups.
func testDBs(t *testing.T) []*store.DB { return storetest.Both(t) }
