package main

import (
	"context"
	"fmt"
	"net/http"
	"runtime/metrics"
	"time"
)

// capSettleBudget bounds capSettle: untimed rounds until this process has
// collected garbage gcs times, at least one round, and once rounds rounds
// have run and time has passed, no more.
type capSettleBudget struct {
	gcs, rounds int
	time        time.Duration
}

// capSettleDefault stops after two collections. Without them it gives up
// only once both four rounds and 10 s have passed: at 1000 req/s four
// rounds take longer than that (four collections there take about 17
// rounds), while back to back at make bench's defaults (600 calls per setup
// a round, about half a second for all setups) four rounds ended after
// about one collection; with the time, that run reaches its second.
var capSettleDefault = capSettleBudget{gcs: 2, rounds: 4, time: 10 * time.Second}

func (b capSettleBudget) String() string {
	return fmt.Sprintf("until this process had collected garbage %d times, or %d rounds and %s had passed", b.gcs, b.rounds, b.time)
}

// capSettle runs untimed rounds of every setup before the measured ones.
// Until the collector has run, the heap grows towards its goal (the
// 256 MiB floor) on pages the kernel faults in for the first time; the
// capture database and its WAL grow from nothing too. Measured after the
// 50-call warm-up alone, the "on" gateway's first two rounds had a p99
// about 70 % above its later ones, and whichever gateway ran in the slots
// of the fixed round order that came early paid for it as well: the A/A
// control, two identical gateways, read medians of +13 … +31 % over 8 runs
// with one round order and −11 … −12 % with two others (sixteenth
// session, docs/capture-overhead.md). It returns how many rounds it ran.
func capSettle(ctx context.Context, client *http.Client, setups []capSetup, per, rate int, b capSettleBudget) (int, error) {
	gc0, t0 := capGCCycles(), time.Now()
	for r := 1; ; r++ {
		for _, s := range setups {
			if _, err := capDriveSetup(ctx, client, s, per, rate); err != nil {
				return r, err
			}
			s.after()
		}
		if capGCCycles()-gc0 >= uint64(b.gcs) || r >= b.rounds && time.Since(t0) >= b.time {
			return r, nil
		}
	}
}

// capGCCycles is how many garbage collections this process has completed.
func capGCCycles() uint64 {
	s := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}
