package gateway

import (
	"net/http"
	"testing"
)

// An upstream that is itself a Fledgling answers with its own
// x-fledgling-request-id; the client must keep this gateway's, the key of
// the capture it can look up here.
func TestRelayKeepsThisGatewaysRequestID(t *testing.T) {
	dst := http.Header{}
	dst.Set("X-Fledgling-Request-Id", "req_ours")
	src := http.Header{}
	src.Set("X-Fledgling-Request-Id", "req_upstream")
	src.Set("X-Request-Id", "req_upstream")
	relayHeaders(dst, src)
	if got := dst.Get("X-Fledgling-Request-Id"); got != "req_ours" {
		t.Fatalf("x-fledgling-request-id %q after relaying, want this gateway's", got)
	}
	if dst.Get("X-Request-Id") != "req_upstream" {
		t.Fatal("the upstream's x-request-id was not relayed")
	}
}
