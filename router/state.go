package router

// Promotion stages of a candidate, as the promotion controller sets them.
const (
	StageShadow     = "shadow"      // mirrored only; the primary serves
	StageCanary     = "canary"      // serves Share of sticky-hashed requests
	StagePromoted   = "promoted"    // serves Share (normally all) of requests
	StageRolledBack = "rolled_back" // neither serves nor is mirrored
	StagePaused     = "paused"      // frozen at its Share by an operator
	StagePinned     = "pinned"      // held at Share by an operator (0 = primary only)
)

// CandidateState is the promotion state of one candidate version on a route.
// Candidates of a route without a state are in shadow.
type CandidateState struct {
	Model   string `json:"model"`
	Version string `json:"version"`
	Stage   string `json:"stage"`
	// Step is the 1-based canary step, for the stage label ("canary-2").
	Step int `json:"step,omitempty"`
	// Share is the fraction 0..1 of sticky-hashed requests the candidate serves.
	Share float64 `json:"share"`
	// ReverseShadowRate is the share of candidate-served requests mirrored to
	// the primary so paired comparison continues while the candidate serves.
	ReverseShadowRate float64 `json:"reverse_shadow_rate"`
}

// State is the promotion state of every route, by route name.
type State struct {
	// Version increases with every change; replicas keep the highest.
	Version int64                       `json:"version"`
	Routes  map[string][]CandidateState `json:"routes"`
}

// Find returns the state of a route's candidate version, if any.
func (s State) Find(route, model, version string) (CandidateState, bool) {
	for _, c := range s.Routes[route] {
		if c.Model == model && c.Version == version {
			return c, true
		}
	}
	return CandidateState{}, false
}

// serving reports whether the stage lets the candidate serve traffic.
func (c CandidateState) serving() bool {
	switch c.Stage {
	case StageCanary, StagePromoted, StagePaused, StagePinned:
		return c.Share > 0
	}
	return false
}

// mirrored reports whether the candidate is shadowed while the primary serves.
func (c CandidateState) mirrored() bool {
	switch c.Stage {
	case StageRolledBack, StagePromoted:
		return false
	}
	return true
}

// label is the stage as shown in Decision.Stage.
func (c CandidateState) label() string {
	if c.Stage == StageCanary && c.Step > 0 {
		return StageCanary + "-" + itoa(c.Step)
	}
	return c.Stage
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}
