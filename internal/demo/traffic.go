package demo

import (
	"context"
	"sync"

	"github.com/fledgling-ai/fledgling/internal/sim"
)

// traffic is the simulated application: one driver per task (route), each
// with the official openai-go client through the gateway, running until
// stopped.
type traffic struct {
	drivers []*sim.Driver
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

func startTraffic(ctx context.Context, gatewayURL string, w *sim.Workload, t timing) (*traffic, error) {
	tr := &traffic{}
	for i, task := range append(append([]string{}, GoodTasks...), BadTask) {
		d, err := sim.NewDriver(sim.DriverConfig{
			BaseURL: gatewayURL + "/v1", Model: "sim-large", Workload: w,
			Headers: map[string]string{routeHeader: task, appHeader: "app"},
			Mix:     map[string]float64{task: 1}, Rate: t.ratePerRoute, Concurrency: 6,
			Users: 50, StreamShare: 0.25, Seed: uint64(100 + i),
		})
		if err != nil {
			return nil, err
		}
		tr.drivers = append(tr.drivers, d)
	}
	runCtx, cancel := context.WithCancel(ctx)
	tr.cancel = cancel
	for _, d := range tr.drivers {
		tr.wg.Add(1)
		go func() {
			defer tr.wg.Done()
			d.Run(runCtx)
		}()
	}
	return tr, nil
}

// stop ends the traffic and waits for the requests in flight.
func (tr *traffic) stop() {
	tr.cancel()
	tr.wg.Wait()
}

// results is every request so far, all drivers.
func (tr *traffic) results() []sim.Result {
	var out []sim.Result
	for _, d := range tr.drivers {
		out = append(out, d.Results()...)
	}
	return out
}

func (tr *traffic) counts() (sent, failed int) {
	for _, d := range tr.drivers {
		for _, r := range d.Results() {
			sent++
			if !r.OK() {
				failed++
			}
		}
	}
	return sent, failed
}
