package sim

import (
	"context"
	"strings"
	"testing"
)

// The control client drives a simulator over HTTP: regression injection,
// faults, stats and tasks.
func TestControlClient(t *testing.T) {
	s, ts := startSim(t, fastConfig(map[string]float64{"*": 1}))
	c := &Client{BaseURL: ts.URL}
	ctx := context.Background()
	tasks, err := c.Tasks(ctx)
	if err != nil || len(tasks) != len(s.Workload().Tasks) || tasks[0].Key != s.Workload().Tasks[0].Key() {
		t.Fatalf("tasks: %+v %v", tasks, err)
	}
	if err := c.SetAgreement(ctx, "sim-small", "extract", 0); err != nil {
		t.Fatal(err)
	}
	if err := c.SetAgreement(ctx, "nope", "extract", 0); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("unknown model: %v", err)
	}
	d := newDriver(t, ts.URL, func(c *DriverConfig) {
		c.Model, c.Requests, c.Mix = "sim-small", 20, map[string]float64{"extract": 1}
	})
	if sum := d.Run(ctx); sum.OK != 20 || sum.Correct != 0 {
		t.Errorf("with agreement 0 every extract answer must be wrong: %s", sum)
	}
	if err := c.SetFault(ctx, "sim-small", Fault{Mode: "error"}); err != nil {
		t.Fatal(err)
	}
	task := s.Workload().Task("extract")
	if r := d.Send(ctx, task, task.Items[0], "u", false); r.Status != 500 {
		t.Errorf("fault: %+v", r)
	}
	st, err := c.Stats(ctx)
	if err != nil || st.Models["sim-small"].Tasks["extract"].Calls != 20 || st.Models["sim-small"].Faults != 1 {
		t.Fatalf("stats: %+v %v", st.Models["sim-small"], err)
	}
	if err := c.ResetStats(ctx); err != nil {
		t.Fatal(err)
	}
	if st, _ := c.Stats(ctx); len(st.Models) != 0 {
		t.Errorf("after reset: %+v", st)
	}
}
