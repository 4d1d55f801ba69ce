//go:build cgo

package onnx

import (
	"fmt"

	ort "github.com/yalue/onnxruntime_go"
)

// lowLatency pins the session settings that suit one tiny graph run per
// request on the caller's thread: nodes run one after another (no inter-op
// scheduling), every graph optimisation is applied once at load, and idle
// intra-op workers sleep instead of spinning (there are none at the default
// 1 thread; with more they would burn a core the gateway needs). Sequential
// and all-optimisations are ONNX Runtime's defaults today; setting them keeps
// a library upgrade from changing the serving path silently. At 1 thread,
// spinning on or off measured the same.
func lowLatency(opts *ort.SessionOptions) error {
	if err := opts.SetExecutionMode(ort.ExecutionModeSequential); err != nil {
		return fmt.Errorf("onnx: session execution mode: %w", err)
	}
	if err := opts.SetGraphOptimizationLevel(ort.GraphOptimizationLevelEnableAll); err != nil {
		return fmt.Errorf("onnx: session graph optimisation: %w", err)
	}
	if err := opts.AddSessionConfigEntry("session.intra_op.allow_spinning", "0"); err != nil {
		return fmt.Errorf("onnx: session spinning: %w", err)
	}
	return nil
}
