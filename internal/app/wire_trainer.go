package app

import "context"

// buildTrainer wires the trainer component into s. (Filled in by the trainer work.)
func (s *services) buildTrainer(ctx context.Context) error {
	_ = ctx
	return nil
}
