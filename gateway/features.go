package gateway

import (
	"github.com/fledgling-ai/fledgling/internal/config"
	"github.com/fledgling-ai/fledgling/internal/features"
	"github.com/fledgling-ai/fledgling/router"
)

// learnedInfo is what the gateway needs for routes with `policy: learned`:
// nil when the config has none, so other configs never pay for features.
type learnedInfo struct {
	// taskKeyHeaders are the learned routes' sampling.task_key_header names.
	taskKeyHeaders []string
}

func compileLearnedInfo(cfg *config.Config) *learnedInfo {
	var li *learnedInfo
	for _, r := range cfg.Routes {
		if r.Policy != "learned" {
			continue
		}
		if li == nil {
			li = &learnedInfo{}
		}
		if h := r.Sampling.TaskKeyHeader; h != "" {
			li.taskKeyHeaders = append(li.taskKeyHeaders, h)
		}
	}
	return li
}

func noRelease() {}

// withFeatures gives req a lazily computed feature vector (internal/features)
// when a learned route may score it; the returned func releases the pooled
// vector and must run once Decide returned. The task key is the first
// learned route's task-key header present on the request, as the trainer
// reads it from the capture (else features derive it from the body).
func (c *call) withFeatures(req *router.Request) func() {
	li := c.rt.learned
	if li == nil {
		return noRelease
	}
	l := &features.Lazy{Body: c.body}
	for _, h := range li.taskKeyHeaders {
		if v := c.r.Header.Get(h); v != "" {
			l.TaskKey = v
			break
		}
	}
	req.Features = l.Features
	return l.Release
}
