package learned

import (
	"context"
	"math/rand"
	"testing"
)

func TestFitRunsGorgonia(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	var xs [][]float32
	var ys []float64
	for i := 0; i < 400; i++ {
		x := make([]float32, 8)
		for j := range x {
			x[j] = float32(rng.NormFloat64())
		}
		y := 0.0
		if x[0]+x[1] > 0 {
			y = 1
		}
		xs, ys = append(xs, x), append(ys, y)
	}
	o := Options{Hidden: 4}
	o.setDefaults()
	var first, last float64
	ps, err := fit(context.Background(), xs, ys, o, func(step int, loss float64) {
		if step == 1 {
			first = loss
		}
		last = loss
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 4 || len(ps[0]) != 8*4 {
		t.Fatalf("params shape %d", len(ps))
	}
	if !(last < first/2) {
		t.Fatalf("loss did not fall: first %v last %v", first, last)
	}
}
