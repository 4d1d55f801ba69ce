package gctune

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

func TestPercentForKeepsTheGoalAtTheFloor(t *testing.T) {
	const mib = 1 << 20
	for _, c := range []struct {
		floor, live uint64
		want        int
	}{
		{64 * mib, 16 * mib, 300},  // 16 MiB × 4 = 64 MiB
		{64 * mib, 32 * mib, 100},  // GOGC=100's own goal is the floor
		{64 * mib, 500 * mib, 100}, // a large heap keeps Go's default
		{64 * mib, 1 * mib, 2000},  // bounded for a nearly empty heap
		{64 * mib, 0, 2000},
	} {
		if got := percentFor(c.floor, c.live); got != c.want {
			t.Errorf("percentFor(%d MiB, %d MiB) = %d, want %d", c.floor/mib, c.live/mib, got, c.want)
		}
	}
}

// The tuner sets GOGC at start and again after a collection when something
// moved it; Stop restores the default. A test binary's live heap is a few
// MiB, so a 1 GiB floor asks for the bound.
func TestTunerFollowsCollectionsAndStops(t *testing.T) {
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	defer debug.SetGCPercent(currentGOGC())
	tu := Start(1 << 30)
	if tu == nil {
		t.Fatal("tuner did not start")
	}
	if p, cur := tu.Percent(), currentGOGC(); p != maxPercent || cur != maxPercent {
		t.Fatalf("after start: tuner %d, runtime %d; want %d", p, cur, maxPercent)
	}
	tu.mu.Lock()
	tu.percent = -1 // as if never set: the next adjust writes GOGC again
	tu.mu.Unlock()
	debug.SetGCPercent(50)
	for deadline := time.Now().Add(10 * time.Second); currentGOGC() != maxPercent; { // until a collection ran the finalizer
		if time.Now().After(deadline) {
			t.Fatal("GOGC not restored by the tuner within 10s of collections")
		}
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
	tu.Stop()
	if cur := currentGOGC(); cur != basePercent {
		t.Fatalf("GOGC %d after Stop, want %d", cur, basePercent)
	}
}

func currentGOGC() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

func TestTunerStaysOffWhenTheOperatorChose(t *testing.T) {
	t.Setenv("GOGC", "200")
	if Start(1<<30) != nil {
		t.Fatal("tuner started although GOGC is set")
	}
	t.Setenv("GOGC", "")
	if Start(0) != nil {
		t.Fatal("tuner started with floor 0")
	}
}
