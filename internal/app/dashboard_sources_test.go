package app

import (
	"testing"

	"github.com/fledgling-ai/fledgling/shadow"
)

func TestCandidateSummaryFromEvidence(t *testing.T) {
	ev := shadow.Evidence{Route: "support", Model: "small", Version: "v2", Pairs: 100,
		CandidateCostMicros: 30_000, PrimaryCostMicros: 1_000_000, CandidatePriced: 100, PrimaryPriced: 100, CostRatio: 0.03,
		JudgeCostMicros: 5_000, Evaluators: map[string]shadow.Stat{
			"tool_call": {N: 100, PassRate: 0.95, AnytimeLo: 0.88, AnytimeHi: 0.98}, "json_valid": {N: 100, PassRate: 1, AnytimeLo: 0.95, AnytimeHi: 1}}}
	cs := candidateSummary(ev)
	// cost ratio 0.03 × primary 1,000,000 µ$ = 30,000 µ$; overhead = 30,000 shadow + 5,000 judge = 35,000 µ$
	if cs.PrimaryCostMicros != 1_000_000 || cs.CandidateCostMicros != 30_000 || cs.OverheadMicros != 35_000 || cs.Pairs != 100 {
		t.Fatalf("summary %+v", cs)
	}
	if len(cs.Evaluators) != 2 || cs.Evaluators[0].Name != "json_valid" || cs.Evaluators[1].Lower != 0.88 {
		t.Fatalf("evaluators %+v", cs.Evaluators)
	}
	ev.CostRatio, ev.CandidatePriced, ev.CandidateCostMicros = 0, 0, 0
	if cs := candidateSummary(ev); cs.PrimaryCostMicros != 0 {
		t.Fatalf("an unpriced candidate must project nothing, got primary cost %d", cs.PrimaryCostMicros)
	}
}
