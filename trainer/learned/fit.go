package learned

import (
	"context"
	"fmt"
	"math"
	"math/rand"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// net is the gorgonia graph of one model shape at a fixed batch size.
type net struct {
	g      *G.ExprGraph
	x, y   *G.Node
	params G.Nodes // W1, b1, W2, b2 (MLP) or W2, b2 (logistic)
	loss   *G.Node
}

// buildNet builds logits = [relu(x·W1 + b1)]·W2 + b2 and the mean binary
// cross-entropy on logits: softplus(z) − y·z.
func buildNet(batch, dim, hiddenUnits int, rng *rand.Rand) (*net, error) {
	g := G.NewGraph()
	n := &net{g: g}
	n.x = G.NewMatrix(g, tensor.Float64, G.WithShape(batch, dim), G.WithName("x"))
	n.y = G.NewMatrix(g, tensor.Float64, G.WithShape(batch, 1), G.WithName("y"))
	in, inDim := n.x, dim
	if hiddenUnits > 0 {
		w1 := param(g, "W1", dim, hiddenUnits, math.Sqrt(2/float64(dim)), rng)
		b1 := param(g, "b1", 1, hiddenUnits, 0, rng)
		xw, err := G.Mul(in, w1)
		if err != nil {
			return nil, err
		}
		pre, err := G.BroadcastAdd(xw, b1, nil, []byte{0})
		if err != nil {
			return nil, err
		}
		if in, err = G.Rectify(pre); err != nil {
			return nil, err
		}
		inDim = hiddenUnits
		n.params = append(n.params, w1, b1)
	}
	w2 := param(g, "W2", inDim, 1, math.Sqrt(1/float64(inDim)), rng)
	b2 := param(g, "b2", 1, 1, 0, rng)
	n.params = append(n.params, w2, b2)
	hw, err := G.Mul(in, w2)
	if err != nil {
		return nil, err
	}
	z, err := G.BroadcastAdd(hw, b2, nil, []byte{0})
	if err != nil {
		return nil, err
	}
	n.loss, err = bceWithLogits(z, n.y)
	if err != nil {
		return nil, err
	}
	_, err = G.Grad(n.loss, n.params...)
	return n, err
}

func bceWithLogits(z, y *G.Node) (*G.Node, error) {
	sp, err := G.Softplus(z)
	if err != nil {
		return nil, err
	}
	yz, err := G.HadamardProd(y, z)
	if err != nil {
		return nil, err
	}
	d, err := G.Sub(sp, yz)
	if err != nil {
		return nil, err
	}
	return G.Mean(d)
}

// param is a trainable rows×cols matrix initialised N(0, std²) from rng.
func param(g *G.ExprGraph, name string, rows, cols int, std float64, rng *rand.Rand) *G.Node {
	back := make([]float64, rows*cols)
	for i := range back {
		back[i] = rng.NormFloat64() * std
	}
	t := tensor.New(tensor.WithShape(rows, cols), tensor.WithBacking(back))
	return G.NewMatrix(g, tensor.Float64, G.WithShape(rows, cols), G.WithName(name), G.WithValue(t))
}

// fit trains on xs (rows of features) and ys (0/1) and returns the fitted
// parameters as float64 slices in params order.
func fit(ctx context.Context, xs [][]float32, ys []float64, o Options, progress func(int, float64)) ([][]float64, error) {
	rng := rand.New(rand.NewSource(o.Seed))
	batch := min(o.BatchSize, len(xs))
	dim := len(xs[0])
	n, err := buildNet(batch, dim, o.Hidden, rng)
	if err != nil {
		return nil, fmt.Errorf("build graph: %w", err)
	}
	vm := G.NewTapeMachine(n.g, G.BindDualValues(n.params...))
	defer vm.Close()
	solver := G.NewAdamSolver(G.WithLearnRate(o.LearnRate), G.WithL2Reg(o.L2))
	xb := make([]float64, batch*dim)
	yb := make([]float64, batch)
	xt := tensor.New(tensor.WithShape(batch, dim), tensor.WithBacking(xb))
	yt := tensor.New(tensor.WithShape(batch, 1), tensor.WithBacking(yb))
	order := rng.Perm(len(xs))
	step := 0
	for epoch := 0; epoch < o.Epochs; epoch++ {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for start := 0; start+batch <= len(order); start += batch {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			fillBatch(xb, yb, xs, ys, order[start:start+batch], dim)
			loss, err := runStep(vm, solver, n, xt, yt)
			if err != nil {
				return nil, fmt.Errorf("step %d: %w", step, err)
			}
			step++
			if progress != nil {
				progress(step, loss)
			}
		}
	}
	return paramValues(n.params), nil
}

func fillBatch(xb, yb []float64, xs [][]float32, ys []float64, idx []int, dim int) {
	for r, i := range idx {
		row := xb[r*dim : (r+1)*dim]
		for j, v := range xs[i] {
			row[j] = float64(v)
		}
		yb[r] = ys[i]
	}
}

func runStep(vm G.VM, solver G.Solver, n *net, xt, yt tensor.Tensor) (float64, error) {
	defer vm.Reset()
	if err := G.Let(n.x, xt); err != nil {
		return 0, err
	}
	if err := G.Let(n.y, yt); err != nil {
		return 0, err
	}
	if err := vm.RunAll(); err != nil {
		return 0, err
	}
	loss, _ := n.loss.Value().Data().(float64)
	if err := solver.Step(G.NodesToValueGrads(n.params)); err != nil {
		return 0, err
	}
	return loss, nil
}

func paramValues(ps G.Nodes) [][]float64 {
	out := make([][]float64, len(ps))
	for i, p := range ps {
		out[i] = append([]float64(nil), p.Value().Data().([]float64)...)
	}
	return out
}
