package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync/atomic"

	"github.com/tidwall/sjson"

	"github.com/fledgling-ai/fledgling/internal/config"
	"github.com/fledgling-ai/fledgling/internal/provider"
)

// providerCaller is shadow.Caller over the configured providers: a public
// model name resolves through models (or "*") to its provider client and
// upstream name, under that provider's timeouts. Shadow and judge calls get
// their own clients, so their connections never queue behind live traffic.
type providerCaller struct {
	state atomic.Pointer[callerState]
}

type callerState struct {
	models  map[string]config.Model
	clients map[string]*provider.Client
}

func newProviderCaller(c *config.Config) (*providerCaller, error) {
	p := &providerCaller{}
	return p, p.reload(c)
}

// reload swaps in clients for a new config; idle connections of the old
// ones are dropped.
func (p *providerCaller) reload(c *config.Config) error {
	st := &callerState{models: c.Models, clients: map[string]*provider.Client{}}
	for name, pc := range c.Providers {
		cl, err := provider.New(name, pc)
		if err != nil {
			return fmt.Errorf("shadow: %w", err)
		}
		st.clients[name] = cl
	}
	if old := p.state.Swap(st); old != nil {
		for _, cl := range old.clients {
			cl.CloseIdle()
		}
	}
	return nil
}

const maxShadowResponse = 16 << 20

// Call implements shadow.Caller. A non-2xx answer is returned as its status
// and body with a nil error.
func (p *providerCaller) Call(ctx context.Context, model string, body []byte) (int, []byte, error) {
	st := p.state.Load()
	m, ok := st.models[model]
	if !ok {
		if m, ok = st.models["*"]; !ok {
			return 0, nil, fmt.Errorf("shadow: unknown model %q", model)
		}
	}
	cl, ok := st.clients[m.Provider]
	if !ok {
		return 0, nil, fmt.Errorf("shadow: model %q has unknown provider %q", model, m.Provider)
	}
	upstream := m.UpstreamName(model)
	body, err := sjson.SetBytes(body, "model", upstream)
	if err != nil {
		return 0, nil, fmt.Errorf("shadow: rewrite model: %w", err)
	}
	res, err := cl.Do(ctx, provider.Request{Path: "/chat/completions", Model: upstream, Body: body})
	if err != nil {
		var se *provider.StatusError
		if errors.As(err, &se) {
			return se.Status, se.Body, nil
		}
		return 0, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, maxShadowResponse))
	return res.Status, b, err
}
