package trainer

import (
	"encoding/binary"
	"math"
	"sort"

	"crypto/sha256"
)

// Split names.
const (
	SplitTrain      = "train"
	SplitValidation = "validation"
	SplitTest       = "test"
)

// splitter assigns items to splits, stratified by task key. Within each task
// key, items already in the route's frozen test set stay in test; more items
// join test (in seeded hash order) until test holds round(n×test fraction)
// of the key's n items, then validation takes its share, and the rest train.
// Shares are rounded randomly (floor(n×f + u), u seeded per task key), so a
// task key with few items still lands in test with probability n×f and the
// whole test set is close to N×f even when most task keys are small. The order depends only on the seed and the item ids,
// so the same captures, seed and frozen set always give the same split.
type splitter struct {
	seed             int64
	valFrac, tstFrac float64
	frozen           map[string]bool // item ids frozen in test
}

// assign returns the split of every item id, given each id's task key.
func (s splitter) assign(taskOf map[string]string) map[string]string {
	groups := map[string][]string{}
	for id, tk := range taskOf {
		groups[tk] = append(groups[tk], id)
	}
	out := make(map[string]string, len(taskOf))
	for tk, ids := range groups {
		s.assignGroup(tk, ids, out)
	}
	return out
}

func (s splitter) assignGroup(taskKey string, ids []string, out map[string]string) {
	sort.Slice(ids, func(i, j int) bool { return s.rank(ids[i]) < s.rank(ids[j]) })
	n := float64(len(ids))
	u := float64(s.rank("task:"+taskKey)>>11) / (1 << 53)
	wantTest := int(math.Floor(n*s.tstFrac + u))
	wantVal := int(math.Floor(n*s.valFrac + math.Mod(u+0.5, 1)))
	test := 0
	for _, id := range ids {
		if s.frozen[id] {
			out[id] = SplitTest
			test++
		}
	}
	val := 0
	for _, id := range ids {
		switch {
		case out[id] != "":
		case test < wantTest:
			out[id] = SplitTest
			test++
		case val < wantVal:
			out[id] = SplitValidation
			val++
		default:
			out[id] = SplitTrain
		}
	}
}

// rank is the seeded position of an item id.
func (s splitter) rank(id string) uint64 {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(s.seed))
	h := sha256.Sum256(append(b[:], id...))
	return binary.BigEndian.Uint64(h[:8])
}
