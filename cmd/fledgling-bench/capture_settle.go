package main

import (
	"context"
	"net/http"
	"runtime/metrics"
)

// capSettleGCs and capSettleRounds bound capSettle: untimed rounds until
// this process has collected garbage capSettleGCs times, at least one round
// and at most capSettleRounds.
const (
	capSettleGCs    = 2
	capSettleRounds = 4
)

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
func capSettle(ctx context.Context, client *http.Client, setups []capSetup, per, rate int) (int, error) {
	gc0 := capGCCycles()
	for r := 1; ; r++ {
		for _, s := range setups {
			if _, err := capDriveSetup(ctx, client, s, per, rate); err != nil {
				return r, err
			}
			s.after()
		}
		if capGCCycles()-gc0 >= capSettleGCs || r == capSettleRounds {
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
