package features

import (
	"math"
	"math/bits"
)

// textBlock is one hashed text block of the vector being filled, with a
// bitmap of the buckets written so far. A short prompt touches a few hundred
// of the 1024 buckets; normalize visits only those instead of every bucket
// twice, which was the largest single cost of ExtractInto.
type textBlock struct {
	v    []float32 // len TextBuckets, zero on entry
	seen [TextBuckets / 64]uint64
}

// add adds ±1 (the sign of h) to bucket h mod TextBuckets.
func (b *textBlock) add(h uint32) {
	i := h & (TextBuckets - 1)
	b.v[i] += sign(h)
	b.seen[i>>6] |= 1 << (i & 63)
}

// normalize scales the block to unit L2 norm, bit-for-bit as normalize does
// on the whole block: untouched buckets are zero and add nothing; every
// value is a whole number (a sum of ±1), so each square and partial sum is
// an exact float64 integer and the order of the additions cannot change the
// sum.
func (b *textBlock) normalize() {
	var s float64
	b.each(func(i int) { s += float64(b.v[i]) * float64(b.v[i]) })
	if s == 0 {
		return
	}
	inv := float32(1 / math.Sqrt(s))
	b.each(func(i int) { b.v[i] *= inv })
}

// each calls f with the index of every touched bucket, in increasing order.
func (b *textBlock) each(f func(int)) {
	for w, word := range b.seen {
		for word != 0 {
			f(w<<6 | bits.TrailingZeros64(word))
			word &= word - 1
		}
	}
}
