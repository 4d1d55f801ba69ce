package features

import (
	"strings"
	"sync/atomic"
)

// sysPrompts remembers the hashed system block of recent system prompts.
// The requests of a route mostly share one system prompt, often their
// longest text; putting back its hashed buckets costs a fraction of hashing
// it again. Direct-mapped by the prompt's hash: 256 slots, prompts up to
// maxCachedPrompt bytes, a slot's newest prompt wins. Safe for concurrent
// use; an entry never changes once stored.
var sysPrompts [256]atomic.Pointer[sysEntry]

const maxCachedPrompt = 16 << 10

// sysEntry is one system prompt's contribution to an empty system block.
type sysEntry struct {
	raw     string // the content's raw JSON value
	idx     []uint16
	val     []float32
	sq      float64
	textLen int
}

// systemFirst adds the first system message's content c (whose raw bytes
// hash to h) to the still empty system block, from the cache when it holds
// the same prompt, and returns the text length.
func (e *extractor) systemFirst(c value, h uint32) int {
	slot := &sysPrompts[fmix(h)%uint32(len(sysPrompts))]
	if p := slot.Load(); p != nil && p.raw == c.raw {
		e.system.replay(p)
		return p.textLen
	}
	n := e.fastContent(c, &e.system, seedSystem)
	if len(c.raw) <= maxCachedPrompt && !e.bad {
		slot.Store(e.system.snapshot(strings.Clone(c.raw), n))
	}
	return n
}

func (b *textBlock) snapshot(raw string, textLen int) *sysEntry {
	p := &sysEntry{raw: raw, sq: b.sq, textLen: textLen}
	b.each(func(i int) {
		p.idx = append(p.idx, uint16(i))
		p.val = append(p.val, b.v[i])
	})
	return p
}

func (b *textBlock) replay(p *sysEntry) {
	for k, i := range p.idx {
		b.v[i] = p.val[k]
		b.seen[i>>6] |= 1 << (i & 63)
	}
	b.sq = p.sq
}
