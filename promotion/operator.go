package promotion

import (
	"errors"
	"fmt"
	"time"

	"github.com/fledgling-ai/fledgling/router"
)

// Operator actions on a candidate, available through the admin API and CLI.
const (
	ActionPin      = "pin"
	ActionPause    = "pause"
	ActionResume   = "resume"
	ActionPromote  = "promote"
	ActionRollback = "rollback"
)

// ErrBadAction is an operator request that does not apply to the candidate's state.
var ErrBadAction = errors.New("action not applicable")

// Operate applies an operator action to c and returns the transition.
// share is the pinned share 0..1 (pin only).
func Operate(c *Candidate, action string, share float64, operator, reason string, now time.Time) (*Transition, error) {
	from := c.label()
	switch action {
	case ActionPin, ActionPause:
		if share < 0 || share > 1 {
			return nil, fmt.Errorf("%w: share must be within 0..1", ErrBadAction)
		}
		c.hold()
		c.Stage = router.StagePaused
		if action == ActionPin {
			c.Stage, c.Share = router.StagePinned, share
		}
	case ActionResume:
		if c.HeldStage == "" {
			return nil, fmt.Errorf("%w: %s is not paused or pinned", ErrBadAction, c.Model)
		}
		c.Stage, c.Step, c.Share, c.HeldStage = c.HeldStage, c.HeldStep, c.HeldShare, ""
		c.StageAt, c.EpochAt, c.Failures = now, now, 0
	case ActionPromote:
		c.Stage, c.Step, c.Share, c.HeldStage = router.StagePromoted, 0, 1, ""
		c.StageAt, c.EpochAt, c.Failures = now, now, 0
	case ActionRollback:
		c.Stage, c.Step, c.Share, c.HeldStage = router.StageRolledBack, 0, 0, ""
		c.StageAt, c.EpochAt, c.RolledBackAt, c.Failures = now, now, now, 0
	default:
		return nil, fmt.Errorf("%w: unknown action %q", ErrBadAction, action)
	}
	if action != ActionPin && action != ActionPause {
		c.Baseline = nil // the window restarts without one
	}
	if reason == "" {
		reason = "operator " + action
	}
	return &Transition{Route: c.Route, Model: c.Model, Version: c.Version, From: from, To: c.label(),
		Share: c.Share, Reason: reason, Actor: "operator:" + operator, At: now}, nil
}

// hold remembers the stage a pause or pin interrupts (once).
func (c *Candidate) hold() {
	if c.HeldStage == "" {
		c.HeldStage, c.HeldStep, c.HeldShare = c.Stage, c.Step, c.Share
	}
}
