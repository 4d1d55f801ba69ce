//go:build cgo

package onnx

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"

	ort "github.com/yalue/onnxruntime_go"

	"github.com/fledgling-ai/fledgling/internal/features"
)

// Scorer scores feature vectors with one ONNX model. It is safe for
// concurrent use.
type Scorer struct {
	pool      chan *slot
	all       []*slot
	dim       int
	perRow    int // output values per row: 1, or 2 ([P(fail), P(pass)])
	threshold float64
	meta      map[string]string
	closeOnce sync.Once
}

// slot is one session with its bound tensors.
type slot struct {
	sess *ort.AdvancedSession
	in   *ort.Tensor[float32]
	out  *ort.Tensor[float32]
}

// Open loads the ONNX model file at path. Init must have succeeded.
func Open(path string, o Options) (*Scorer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("onnx: read model: %w", err)
	}
	return OpenBytes(data, o)
}

// OpenBytes loads an ONNX model held in memory. Init must have succeeded.
func OpenBytes(model []byte, o Options) (*Scorer, error) {
	if !ort.IsInitialized() {
		return nil, fmt.Errorf("%w: ONNX Runtime not initialised (call onnx.Init)", ErrUnavailable)
	}
	o.setDefaults()
	in, out, err := ort.GetInputOutputInfoWithONNXData(model)
	if err != nil {
		return nil, fmt.Errorf("onnx: inspect model: %w", err)
	}
	s := &Scorer{dim: features.Dim, pool: make(chan *slot, o.Sessions)}
	if s.perRow, err = checkShapes(in, out); err != nil {
		return nil, err
	}
	s.meta, s.threshold = readMeta(model)
	if v, ok := s.meta[MetaFeatureVersion]; ok && v != features.Version {
		return nil, fmt.Errorf("%w: trained on features %q, this build computes %q (retrain the router)", ErrModelShape, v, features.Version)
	}
	for i := 0; i < o.Sessions; i++ {
		sl, err := newSlot(model, in[0].Name, out[0].Name, s.perRow, o.Threads)
		if err != nil {
			s.Close()
			return nil, err
		}
		s.all = append(s.all, sl)
		s.pool <- sl
	}
	return s, nil
}

// ErrModelShape means a model does not take the feature vector or does not
// return one score per row.
var ErrModelShape = errors.New("onnx: model does not fit the learned-routing contract")

func checkShapes(in, out []ort.InputOutputInfo) (int, error) {
	if len(in) != 1 || len(out) < 1 {
		return 0, fmt.Errorf("%w: want 1 input and at least 1 output, got %d and %d", ErrModelShape, len(in), len(out))
	}
	d := in[0].Dimensions
	if in[0].DataType != ort.TensorElementDataTypeFloat || len(d) != 2 || d[1] != features.Dim || (d[0] != -1 && d[0] != 1) {
		return 0, fmt.Errorf("%w: input %q must be float [N,%d], got %s %v", ErrModelShape, in[0].Name, features.Dim, in[0].DataType, d)
	}
	od := out[0].Dimensions
	perRow := int64(1)
	for _, x := range od[min(1, len(od)):] {
		perRow *= max(x, 1)
	}
	if out[0].DataType != ort.TensorElementDataTypeFloat || (perRow != 1 && perRow != 2) {
		return 0, fmt.Errorf("%w: output %q must be float with 1 or 2 values per row, got %s %v", ErrModelShape, out[0].Name, out[0].DataType, od)
	}
	return int(perRow), nil
}

func newSlot(model []byte, inName, outName string, perRow, threads int) (*slot, error) {
	opts, err := ort.NewSessionOptions()
	if err != nil {
		return nil, fmt.Errorf("onnx: session options: %w", err)
	}
	defer opts.Destroy()
	if err := opts.SetIntraOpNumThreads(threads); err != nil {
		return nil, fmt.Errorf("onnx: threads: %w", err)
	}
	if err := opts.SetInterOpNumThreads(1); err != nil {
		return nil, fmt.Errorf("onnx: threads: %w", err)
	}
	if err := lowLatency(opts); err != nil {
		return nil, err
	}
	sl := &slot{}
	if sl.in, err = ort.NewEmptyTensor[float32](ort.NewShape(1, int64(features.Dim))); err != nil {
		return nil, fmt.Errorf("onnx: input tensor: %w", err)
	}
	if sl.out, err = ort.NewEmptyTensor[float32](ort.NewShape(1, int64(perRow))); err != nil {
		sl.in.Destroy()
		return nil, fmt.Errorf("onnx: output tensor: %w", err)
	}
	sl.sess, err = ort.NewAdvancedSessionWithONNXData(model, []string{inName}, []string{outName},
		[]ort.Value{sl.in}, []ort.Value{sl.out}, opts)
	if err != nil {
		sl.in.Destroy()
		sl.out.Destroy()
		return nil, fmt.Errorf("onnx: session: %w", err)
	}
	return sl, nil
}

// Score returns the model's P(candidate passes) for one feature vector.
func (s *Scorer) Score(f []float32) (float32, error) {
	if len(f) != s.dim {
		return 0, fmt.Errorf("onnx: feature vector has %d values, want %d", len(f), s.dim)
	}
	sl, ok := <-s.pool
	if !ok {
		return 0, ErrClosed
	}
	defer func() { s.pool <- sl }()
	copy(sl.in.GetData(), f)
	if err := sl.sess.Run(); err != nil {
		return 0, fmt.Errorf("onnx: run: %w", err)
	}
	return sl.out.GetData()[s.perRow-1], nil
}

// Threshold is the threshold stored in the model's metadata by
// trainer/learned, and false for a model without one.
func (s *Scorer) Threshold() (float64, bool) { return s.threshold, s.threshold == s.threshold }

// Metadata is the model's custom metadata (fledgling.* keys for exported models).
func (s *Scorer) Metadata() map[string]string { return s.meta }

// Close waits for in-flight Score calls, releases every session, and makes
// later Score calls fail with ErrClosed. It is safe to call more than once
// and concurrently with Score (a reload may close the previous scorers while
// requests still use them).
func (s *Scorer) Close() error {
	s.closeOnce.Do(func() {
		for range s.all {
			sl := <-s.pool // every slot back: no Run is in progress
			sl.sess.Destroy()
			sl.in.Destroy()
			sl.out.Destroy()
		}
		close(s.pool)
	})
	return nil
}

func parseThreshold(v string, ok bool) float64 {
	if !ok {
		return nan()
	}
	t, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return nan()
	}
	return t
}
