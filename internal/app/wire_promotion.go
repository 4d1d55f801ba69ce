package app

import "context"

// buildPromotion wires the promotion component into s. (Filled in by the promotion work.)
func (s *services) buildPromotion(ctx context.Context) error {
	_ = ctx
	return nil
}
