package sim

import (
	"fmt"
	"sort"
	"strings"
)

// Summary aggregates a driver's results.
type Summary struct {
	Sent   int `json:"sent"`
	OK     int `json:"ok"`
	Failed int `json:"failed"`
	// Correct counts answers that satisfy the item's accepted answers.
	Correct int `json:"correct"`
	// ByModel counts successful answers by the model that answered.
	ByModel map[string]int `json:"by_model"`
	// ByStatus counts results by HTTP status (0 = no response).
	ByStatus map[int]int            `json:"by_status"`
	ByTask   map[string]TaskSummary `json:"by_task"`
	// Failures are the first failed results (at most 20).
	Failures []Result `json:"failures,omitempty"`
}

// TaskSummary aggregates one task's results.
type TaskSummary struct {
	Sent    int            `json:"sent"`
	OK      int            `json:"ok"`
	Correct int            `json:"correct"`
	ByModel map[string]int `json:"by_model"`
}

// Summarize aggregates results.
func Summarize(results []Result) Summary {
	s := Summary{ByModel: map[string]int{}, ByStatus: map[int]int{}, ByTask: map[string]TaskSummary{}}
	for _, r := range results {
		s.Sent++
		s.ByStatus[r.Status]++
		ts := s.ByTask[r.Task]
		if ts.ByModel == nil {
			ts.ByModel = map[string]int{}
		}
		ts.Sent++
		if r.OK() {
			s.OK++
			ts.OK++
			s.ByModel[r.Model]++
			ts.ByModel[r.Model]++
			if r.Correct {
				s.Correct++
				ts.Correct++
			}
		} else {
			s.Failed++
			if len(s.Failures) < 20 {
				s.Failures = append(s.Failures, r)
			}
		}
		s.ByTask[r.Task] = ts
	}
	return s
}

// Summary aggregates the results so far.
func (d *Driver) Summary() Summary { return Summarize(d.Results()) }

// String is a one-line human summary.
func (s Summary) String() string {
	models := make([]string, 0, len(s.ByModel))
	for m, n := range s.ByModel {
		models = append(models, fmt.Sprintf("%s=%d", m, n))
	}
	sort.Strings(models)
	return fmt.Sprintf("simulator traffic: sent=%d ok=%d failed=%d correct=%d answered-by[%s]",
		s.Sent, s.OK, s.Failed, s.Correct, strings.Join(models, " "))
}
