package app

import "context"

// buildCapture wires the capture component into s. (Filled in by the capture work.)
func (s *services) buildCapture(ctx context.Context) error {
	_ = ctx
	return nil
}
