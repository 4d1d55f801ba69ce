package learned

import (
	"errors"
	"fmt"
	"math"

	"github.com/fledgling-ai/fledgling/internal/features"
)

// Model is a trained, calibrated router: score = sigmoid(layer2(relu(layer1(x))))
// for the MLP, sigmoid(layer2(x)) for logistic regression. Weights are
// float32, exactly what the ONNX export holds.
type Model struct {
	// Dim is the input length (features.Dim).
	Dim int
	// Hidden is 0 for logistic regression.
	Hidden int
	// W1 is Dim×Hidden row-major, B1 has Hidden values (MLP only).
	W1, B1 []float32
	// W2 is In×1 where In is Hidden (MLP) or Dim (logistic); B2 its bias.
	// Platt calibration is already folded in.
	W2 []float32
	B2 float32
	// Threshold: route to the candidate when Score ≥ Threshold. Above 1 means never.
	Threshold float64
	// FeatureVersion is the features layout the model was trained on.
	FeatureVersion string
}

// ErrDim means a feature vector of the wrong length.
var ErrDim = errors.New("feature vector has the wrong length")

// Score is the calibrated P(candidate passes | features), computed in Go.
func (m *Model) Score(x []float32) (float32, error) {
	if len(x) != m.Dim {
		return 0, fmt.Errorf("%w: got %d, want %d", ErrDim, len(x), m.Dim)
	}
	return float32(sigmoid(m.logit(x, nil))), nil
}

// logit is the final pre-sigmoid value; h is scratch of len Hidden (or nil).
func (m *Model) logit(x []float32, h []float32) float64 {
	if m.Hidden == 0 {
		return dot32(x, m.W2) + float64(m.B2)
	}
	if h == nil {
		h = make([]float32, m.Hidden)
	}
	hidden(x, m.W1, m.B1, h)
	return dot32(h, m.W2) + float64(m.B2)
}

// hidden computes h = relu(x·W1 + b1), skipping zero inputs (features are sparse).
func hidden(x, w1, b1, h []float32) {
	n := len(h)
	acc := make([]float64, n)
	for i, xi := range x {
		if xi == 0 {
			continue
		}
		row := w1[i*n : (i+1)*n]
		for j, w := range row {
			acc[j] += float64(xi) * float64(w)
		}
	}
	for j := range h {
		h[j] = float32(math.Max(0, acc[j]+float64(b1[j])))
	}
}

func dot32(a, b []float32) float64 {
	var s float64
	for i, x := range a {
		s += float64(x) * float64(b[i])
	}
	return s
}

func sigmoid(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}

// newModel is an empty model of the given shape.
func newModel(hiddenUnits int) *Model {
	m := &Model{Dim: features.Dim, Hidden: hiddenUnits, FeatureVersion: features.Version}
	if hiddenUnits > 0 {
		m.W1 = make([]float32, features.Dim*hiddenUnits)
		m.B1 = make([]float32, hiddenUnits)
		m.W2 = make([]float32, hiddenUnits)
	} else {
		m.W2 = make([]float32, features.Dim)
	}
	return m
}
