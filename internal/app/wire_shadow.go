package app

import "context"

// buildShadow wires the shadow component into s. (Filled in by the shadow work.)
func (s *services) buildShadow(ctx context.Context) error {
	_ = ctx
	return nil
}
