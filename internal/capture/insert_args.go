package capture

import (
	"fmt"
	"sync/atomic"
	"unsafe"
)

// maxKeptEncodeBuffer bounds the encoding buffer a Store keeps between
// batches; a larger one (a batch of huge records) is left to the collector.
const maxKeptEncodeBuffer = 8 << 20

// encodeBuffer is the buffer a Store encodes a statement's records into. It
// is kept between batches because what the capture writer allocates costs the
// requests even though the writer runs at idle priority: the collector's
// work for it runs at normal priority. Encoding each record into a buffer of
// its own and copying it (and the request body) into a string for the driver
// was about half of what the writer allocated per record.
type encodeBuffer struct {
	kept atomic.Pointer[[]byte]
}

// take returns the kept buffer, emptied, or a new one when another insert
// holds it.
func (e *encodeBuffer) take() *[]byte {
	if b := e.kept.Swap(nil); b != nil {
		*b = (*b)[:0]
		return b
	}
	return new([]byte)
}

// give keeps b for the next batch, unless it is too large to keep.
func (e *encodeBuffer) give(b *[]byte) {
	if cap(*b) <= maxKeptEncodeBuffer {
		e.kept.Store(b)
	}
}

// insertArgs are the INSERT's parameters for recs, the record JSON encoded
// into *buf. The strings they hold point into *buf and into the records'
// request bodies without copying them: both drivers copy a parameter's
// bytes when the statement runs (modernc's bind into SQLite's own memory,
// pgx into its wire buffer) and keep none of them after it, so *buf may be
// reused once the statement's rows are closed, and not before. A request
// body is never changed after its record is built.
func insertArgs(recs []*Record, buf *[]byte) ([]any, error) {
	ends := make([]int, len(recs))
	for i, r := range recs {
		var err error
		if *buf, err = appendWithoutRequest(*buf, r); err != nil {
			return nil, fmt.Errorf("encode capture %s: %w", r.ID, err)
		}
		ends[i] = len(*buf)
	}
	args := make([]any, 0, len(recs)*nInsertColumns)
	start := 0
	for i, r := range recs {
		data := bytesString((*buf)[start:ends[i]])
		start = ends[i]
		args = append(args, r.ID, r.Time.UnixNano(), r.Route, indexedModel(r), string(r.Kind),
			r.KeyID, r.Status, r.ErrorClass, r.TraceID, bytesString(r.Request), data)
	}
	return args, nil
}

// bytesString is b as a string without a copy; b must not change while the
// string is in use.
func bytesString(b []byte) string {
	return unsafe.String(unsafe.SliceData(b), len(b))
}
