package sim

import "sync"

// Stats are the simulator's ground-truth counters, to compare the gateway's
// figures (calls, tokens, savings, agreement) against.
type Stats struct {
	Models map[string]*ModelStats `json:"models"`
	// Unknown counts requests that matched no workload item.
	Unknown int64 `json:"unknown_requests"`
	// TaskKeys maps each task name to the task key computed from the raw
	// request bodies received (what the gateway sees).
	TaskKeys map[string]string `json:"task_keys"`
}

// ModelStats counts what one simulated model served.
type ModelStats struct {
	// Calls are completed answers (faults and cancelled requests excluded).
	Calls            int64 `json:"calls"`
	Streams          int64 `json:"streams"`
	PromptTokens     int64 `json:"prompt_tokens"`
	CompletionTokens int64 `json:"completion_tokens"`
	ReasoningTokens  int64 `json:"reasoning_tokens"`
	// Faults are injected errors and hangs; Cancelled are requests whose
	// client went away before the answer was complete.
	Faults    int64                 `json:"faults"`
	Cancelled int64                 `json:"cancelled"`
	Tasks     map[string]*TaskStats `json:"tasks"`
}

// TaskStats counts one model's answers on one task.
type TaskStats struct {
	Calls int64 `json:"calls"`
	// Correct answers equal the ground truth; Mistakes count the others by kind.
	Correct  int64            `json:"correct"`
	Mistakes map[string]int64 `json:"mistakes"`
}

// counters is Stats behind a mutex.
type counters struct {
	mu sync.Mutex
	s  Stats
}

func newCounters() *counters {
	return &counters{s: Stats{Models: map[string]*ModelStats{}, TaskKeys: map[string]string{}}}
}

func (c *counters) model(name string) *ModelStats {
	m, ok := c.s.Models[name]
	if !ok {
		m = &ModelStats{Tasks: map[string]*TaskStats{}}
		c.s.Models[name] = m
	}
	return m
}

// served records one complete answer.
func (c *counters) served(model string, stream bool, u usage, task, taskKey string, a Answer) {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.model(model)
	m.Calls++
	if stream {
		m.Streams++
	}
	m.PromptTokens += u.Prompt
	m.CompletionTokens += u.Completion
	m.ReasoningTokens += u.Reasoning
	if task == "" {
		c.s.Unknown++
		return
	}
	c.s.TaskKeys[task] = taskKey
	ts, ok := m.Tasks[task]
	if !ok {
		ts = &TaskStats{Mistakes: map[string]int64{}}
		m.Tasks[task] = ts
	}
	ts.Calls++
	if a.Mistake == "" {
		ts.Correct++
	} else {
		ts.Mistakes[a.Mistake]++
	}
}

func (c *counters) fault(model string) {
	c.mu.Lock()
	c.model(model).Faults++
	c.mu.Unlock()
}

func (c *counters) cancelled(model string) {
	c.mu.Lock()
	c.model(model).Cancelled++
	c.mu.Unlock()
}

// snapshot is a deep copy.
func (c *counters) snapshot() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := Stats{Models: map[string]*ModelStats{}, Unknown: c.s.Unknown, TaskKeys: map[string]string{}}
	for k, v := range c.s.TaskKeys {
		out.TaskKeys[k] = v
	}
	for name, m := range c.s.Models {
		cp := *m
		cp.Tasks = map[string]*TaskStats{}
		for t, ts := range m.Tasks {
			tc := *ts
			tc.Mistakes = map[string]int64{}
			for k, v := range ts.Mistakes {
				tc.Mistakes[k] = v
			}
			cp.Tasks[t] = &tc
		}
		out.Models[name] = &cp
	}
	return out
}

func (c *counters) reset() {
	c.mu.Lock()
	c.s = Stats{Models: map[string]*ModelStats{}, TaskKeys: map[string]string{}}
	c.mu.Unlock()
}
