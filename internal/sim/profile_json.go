package sim

import (
	"encoding/json"
	"fmt"
	"time"
)

// profileJSON is Profile on the wire: durations as strings ("300ms").
type profileJSON struct {
	Agreement       map[string]float64 `json:"agreement,omitempty"`
	Latency         string             `json:"latency,omitempty"`
	Jitter          string             `json:"jitter,omitempty"`
	PromptScale     float64            `json:"prompt_scale,omitempty"`
	CompletionScale float64            `json:"completion_scale,omitempty"`
	ReasoningTokens int64              `json:"reasoning_tokens,omitempty"`
	MistakeWeights  map[string]float64 `json:"mistake_weights,omitempty"`
}

// MarshalJSON writes durations as Go duration strings.
func (p Profile) MarshalJSON() ([]byte, error) {
	return json.Marshal(profileJSON{Agreement: p.Agreement, Latency: p.Latency.String(), Jitter: p.Jitter.String(),
		PromptScale: p.PromptScale, CompletionScale: p.CompletionScale, ReasoningTokens: p.ReasoningTokens,
		MistakeWeights: p.MistakeWeights})
}

// UnmarshalJSON reads durations as strings ("300ms") and checks agreements.
func (p *Profile) UnmarshalJSON(b []byte) error {
	var j profileJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	out := Profile{Agreement: j.Agreement, PromptScale: j.PromptScale, CompletionScale: j.CompletionScale,
		ReasoningTokens: j.ReasoningTokens, MistakeWeights: j.MistakeWeights}
	for _, d := range []struct {
		s   string
		dst *time.Duration
	}{{j.Latency, &out.Latency}, {j.Jitter, &out.Jitter}} {
		if d.s == "" {
			continue
		}
		v, err := time.ParseDuration(d.s)
		if err != nil {
			return fmt.Errorf("sim profile: %w", err)
		}
		*d.dst = v
	}
	for task, a := range out.Agreement {
		if a < 0 || a > 1 {
			return fmt.Errorf("sim profile: agreement of %q is %g, outside 0..1", task, a)
		}
	}
	*p = out
	return nil
}
