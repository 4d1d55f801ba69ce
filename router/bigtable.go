package router

import (
	"fmt"
	"strings"

	"github.com/fledgling-ai/fledgling/internal/config"
)

// BigTable builds a synthetic table of n routes for benchmarks: route-i
// matches model m-i, every fourth also needs a header, and every other
// route has a candidate in a 25% canary.
func BigTable(n int) (*Table, error) {
	var b strings.Builder
	b.WriteString("auth: {mode: none}\nproviders: {p: {type: openai, base_url: \"http://127.0.0.1:1/v1\"}}\nmodels:\n  small: {provider: p}\n  '*': {provider: p}\nroutes:\n")
	st := State{Routes: map[string][]CandidateState{}}
	for i := 0; i < n; i++ {
		if i%4 == 3 {
			fmt.Fprintf(&b, "  - name: route-%d-hdr\n    match: {models: [m-%d], headers: {x-tier: gold}}\n    primary: small\n", i, i)
		}
		fmt.Fprintf(&b, "  - name: route-%d\n    match: {models: [m-%d]}\n    primary: m-%d\n    fallbacks: [m-%d]\n", i, i, i, (i+1)%n)
		if i%2 == 0 {
			fmt.Fprintf(&b, "    candidates: [{model: small, sample_rate: 0.1}]\n")
			st.Routes[fmt.Sprintf("route-%d", i)] = []CandidateState{{Model: "small", Version: "v1", Stage: StageCanary, Step: 3, Share: 0.25, ReverseShadowRate: 0.05}}
		}
	}
	cfg, err := config.Parse([]byte(b.String()))
	if err != nil {
		return nil, err
	}
	return CompileWith(cfg, Options{State: st})
}
