package gateway

import (
	"context"
	"net/http"
	"strings"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
)

// hopByHop are connection-level headers never forwarded in either direction.
var hopByHop = []string{"Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization",
	"Proxy-Connection", "Te", "Trailer", "Transfer-Encoding", "Upgrade"}

// notForwarded are caller headers the upstream must not see: the caller's
// credentials (provider keys live only in the gateway), framing the
// transport redoes, and the caller's account headers.
var notForwarded = map[string]bool{"Authorization": true, "Api-Key": true, "Host": true,
	"Content-Length": true, "Content-Type": true, "Accept-Encoding": true, "Cookie": true,
	"Openai-Organization": true, "Openai-Project": true}

// notRelayed are upstream response headers the caller must not get back.
// X-Fledgling-Request-Id is this gateway's own (set before the call): an
// upstream that is itself a Fledgling must not replace it.
var notRelayed = map[string]bool{"Content-Length": true, "Content-Encoding": true,
	"Openai-Organization": true, "Openai-Project": true, "Set-Cookie": true, "X-Fledgling-Request-Id": true}

// forwardHeaders is what the upstream receives of the caller's headers, plus
// the current trace context.
func forwardHeaders(ctx context.Context, in http.Header) http.Header {
	out := make(http.Header, len(in))
	for k, v := range in {
		if notForwarded[k] || strings.HasPrefix(k, "X-Fledgling-") {
			continue
		}
		out[k] = v
	}
	dropHopByHop(out)
	otel.GetTextMapPropagator().Inject(ctx, propagation.HeaderCarrier(out))
	return out
}

// relayHeaders copies an upstream's response headers to the caller's.
func relayHeaders(dst, src http.Header) {
	for k, v := range src {
		if !notRelayed[k] {
			dst[k] = v
		}
	}
	dropHopByHop(dst)
}

func dropHopByHop(h http.Header) {
	for _, f := range h.Values("Connection") {
		for _, name := range strings.Split(f, ",") {
			h.Del(strings.TrimSpace(name))
		}
	}
	for _, k := range hopByHop {
		h.Del(k)
	}
}
