package trainer

import (
	"github.com/fledgling-ai/fledgling/internal/capture"
)

// collector selects and de-duplicates examples as captures stream by.
type collector struct {
	opts      Filters
	red       Redactor
	progress  Progress
	seenExact map[string]bool
	seenItem  map[string]bool
	examples  []*Example
	counts    Counts
}

func (b *Builder) collector(p Progress) *collector {
	return &collector{opts: b.filters(), red: b.redactor(), progress: p,
		seenExact: map[string]bool{}, seenItem: map[string]bool{}}
}

// reject says why a record is not a candidate example, or nil. It keeps only
// successful chat answers of the primary (or chosen candidate) that were not
// truncated and pass every required check.
func (c *collector) reject(r *capture.Record) *int {
	switch {
	case r.Kind != capture.KindChat:
		return &c.counts.NotChat
	case r.Truncated:
		return &c.counts.Truncated
	case !r.OK():
		return &c.counts.Errors
	case r.ServedByCandidate && !c.opts.IncludeCandidate:
		return &c.counts.Candidate
	}
	for _, name := range c.opts.Require {
		if chk, ok := checks[name]; ok && !chk(r) {
			return &c.counts.FailedChecks
		}
	}
	return nil
}

func (c *collector) add(r *capture.Record) error {
	c.counts.Scanned++
	defer c.report()
	if n := c.reject(r); n != nil {
		*n++
		return nil
	}
	ex, err := newExample(r, c.red)
	if err == nil {
		err = ValidateOpenAILine(ex.OpenAI)
	}
	if err != nil {
		c.counts.Invalid++
		return nil
	}
	switch {
	case c.seenExact[ex.ExactHash]:
		c.counts.DupExact++
	case c.opts.NearDedup && c.seenItem[ex.ItemID]:
		c.counts.DupNear++
	default:
		c.seenExact[ex.ExactHash], c.seenItem[ex.ItemID] = true, true
		c.examples = append(c.examples, ex)
		c.counts.Kept++
	}
	return nil
}

func (c *collector) report() {
	if c.progress != nil && (c.counts.Scanned%50 == 0) {
		c.progress(c.counts.Scanned, c.counts.Kept)
	}
}
