package gateway

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"time"
)

// NewRequestID names a call: "req_", then 12 hex digits of the Unix time in
// milliseconds and 20 of randomness (80 bits, as in a ULID or UUIDv7).
//
// The id is the capture store's unique key, so its order decides where each
// insert lands in that index. Random ids scatter a batch over the whole index
// (every record dirties a page of its own, and the index stops fitting the
// page cache as it grows); ids that start with the time all land at its right
// edge. Writing 128-record batches to SQLite with 51k records stored, that
// was 17–18k records/s with random ids against 45–51k with these.
func NewRequestID() string {
	var b [16]byte
	ms := uint64(time.Now().UnixMilli())
	binary.BigEndian.PutUint16(b[0:2], uint16(ms>>32))
	binary.BigEndian.PutUint32(b[2:6], uint32(ms))
	_, _ = rand.Read(b[6:])
	var out [4 + 32]byte
	copy(out[:], "req_")
	hex.Encode(out[4:], b[:])
	return string(out[:])
}
