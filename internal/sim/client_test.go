package sim

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
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

// TaskHeader tags every request with its task name for header-matched routes.
func TestDriverTaskHeader(t *testing.T) {
	seen := map[string]string{}
	var mu sync.Mutex
	s, err := NewServer(fastConfig(nil))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen[r.Header.Get("x-sim-task")] = r.Header.Get("Authorization")
		mu.Unlock()
		s.ServeHTTP(w, r)
	}))
	defer ts.Close()
	d := newDriver(t, ts.URL, func(c *DriverConfig) {
		c.Requests, c.TaskHeader, c.APIKey, c.StreamShare = 40, "x-sim-task", "vk-test", 0.5
	})
	if sum := d.Run(context.Background()); sum.OK != 40 {
		t.Fatalf("%s", sum)
	}
	for _, name := range s.Workload().TaskNames() {
		if seen[name] != "Bearer vk-test" {
			t.Errorf("task %s: header not seen with the API key (seen %v)", name, seen)
		}
	}
}
