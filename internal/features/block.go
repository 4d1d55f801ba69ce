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
	sq   float64 // the sum of the squares of v, kept as v changes
}

// add adds ±1 (the sign of h) to bucket h mod TextBuckets. The sum of
// squares moves by (x±1)² − x² = 1 ± 2x, an exact integer like every term.
func (b *textBlock) add(h uint32) {
	i := h & (TextBuckets - 1)
	x, d := b.v[i], sign(h)
	b.v[i] = x + d
	b.sq += float64(1 + 2*d*x)
	b.seen[i>>6] |= 1 << (i & 63)
}

// normalize scales the block to unit L2 norm, bit-for-bit as normalize does
// on the whole block: untouched buckets are zero and add nothing; every
// value is a whole number (a sum of ±1), so each square, each change of a
// square and every partial sum is an exact float64 integer, and neither the
// order of the additions nor keeping the sum up to date as buckets change
// can alter it.
func (b *textBlock) normalize() {
	s := b.sq
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
