package config

import "time"

// PromotionController tunes the promotion gate controller (the loop that
// checks every candidate's evidence and steps its state machine).
type PromotionController struct {
	// Interval between gate checks. Default 30s; demos and tests use ~1s.
	Interval time.Duration `yaml:"interval"`
}

func (p *PromotionController) setDefaults() { setDur(&p.Interval, 30*time.Second) }

func (p *PromotionController) validate(ps *problems) {
	if p.Interval < 100*time.Millisecond {
		ps.add("promotion_controller.interval", "must be at least 100ms, got %s", p.Interval)
	}
}
