//go:build !cgo

package onnx

import "fmt"

// errNoCgo is what every entry point returns in a binary built without cgo.
var errNoCgo = fmt.Errorf("%w: built without cgo", ErrUnavailable)

// Init reports that ONNX Runtime cannot be loaded without cgo.
func Init(path string) error { return errNoCgo }

// RuntimeVersion is "" without cgo.
func RuntimeVersion() string { return "" }

// Scorer is unavailable without cgo.
type Scorer struct{}

// Open reports that ONNX Runtime cannot be used without cgo.
func Open(path string, o Options) (*Scorer, error) { return nil, errNoCgo }

// OpenBytes reports that ONNX Runtime cannot be used without cgo.
func OpenBytes(model []byte, o Options) (*Scorer, error) { return nil, errNoCgo }

// Score always fails without cgo.
func (s *Scorer) Score(f []float32) (float32, error) { return 0, errNoCgo }

// Threshold is never known without cgo.
func (s *Scorer) Threshold() (float64, bool) { return 0, false }

// Metadata is empty without cgo.
func (s *Scorer) Metadata() map[string]string { return nil }

// Close does nothing without cgo.
func (s *Scorer) Close() error { return nil }
