package costs

import "github.com/fledgling-ai/fledgling/internal/capture"

// Price fills a completed record's money fields from its usage:
//
//   - CostMicros, Priced: the answer's usage on the answering model (the
//     target the router chose, then the requested model, when no model
//     answered).
//   - CounterfactualMicros: the same usage at the route's primary model's
//     price (equal to CostMicros when the primary answered; 0 when the
//     primary is unpriced, which the rollups count as "unknown", not as a
//     saving). Token counts are taken as they are: a candidate's tokenizer
//     may count differently from the primary's.
//   - Attempts[i].CostMicros: each attempt on its own model. Failed attempts
//     are not part of CostMicros; the rollups add them up separately.
func (p *Pricer) Price(rec *capture.Record) {
	model := AnsweringModel(rec)
	rec.CostMicros, rec.Priced = p.Cost(model, rec.Usage)
	rec.CounterfactualMicros = 0
	switch {
	case rec.PrimaryModel == "" || rec.PrimaryModel == model:
		rec.CounterfactualMicros = rec.CostMicros
	case rec.Priced:
		if cf, ok := p.Cost(rec.PrimaryModel, rec.Usage); ok {
			rec.CounterfactualMicros = cf
		}
	}
	for i := range rec.Attempts {
		a := &rec.Attempts[i]
		a.CostMicros, _ = p.Cost(a.Model, a.Usage)
	}
}

// AnsweringModel is the public model a record is accounted to.
func AnsweringModel(rec *capture.Record) string {
	for _, m := range []string{rec.AnsweringModel, rec.TargetModel, rec.RequestedModel} {
		if m != "" {
			return m
		}
	}
	return ""
}
