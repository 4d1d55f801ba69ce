package config

import (
	"strings"
	"testing"
)

func TestGatewayCoreValidation(t *testing.T) {
	_, err := Parse([]byte(`
server: {listen: "0.0.0.0:8080"}
auth:
  mode: none
  keys:
    - {name: a, key: k, routes: [nope], models: [ghost]}
    - {name: b, env: FLEDGLING_TEST_SURELY_UNSET}
providers:
  up:
    base_url: http://127.0.0.1:1/v1
    headers: {authorization: "Bearer x"}
    timeouts: {response_header: 2m, total: 1m}
models:
  m: {provider: up}
`))
	ps, ok := err.(Problems)
	if !ok {
		t.Fatalf("err %v", err)
	}
	text := ps.Error()
	for _, want := range []string{"auth.mode", "auth.keys[0].routes[0]", "auth.keys[0].models[0]", "auth.keys[1].env",
		"providers.up.headers.authorization", "providers.up.timeouts.total"} {
		if !strings.Contains(text, want+":") {
			t.Errorf("missing problem %s in\n%s", want, text)
		}
	}
}
