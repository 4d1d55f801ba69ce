package gateway

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/tidwall/gjson"

	"github.com/fledgling-ai/fledgling/internal/openai"
	"github.com/fledgling-ai/fledgling/internal/provider"
	"github.com/fledgling-ai/fledgling/router"
)

// apiError is an error the gateway itself answers, in OpenAI's envelope.
type apiError struct {
	Status int
	Type   string
	Code   string
	Param  string
	Msg    string
	// NoRetry asks SDKs not to retry a deterministic gateway error.
	NoRetry bool
}

func (e *apiError) Error() string { return e.Msg }
func (e *apiError) Class() string {
	if e.Code != "" {
		return e.Code
	}
	return e.Type
}

func badRequest(param, format string, args ...any) *apiError {
	return &apiError{Status: 400, Type: "invalid_request_error", Param: param, Code: "invalid_value", Msg: fmt.Sprintf(format, args...)}
}

func unauthorized(msg string) *apiError {
	return &apiError{Status: 401, Type: "invalid_request_error", Code: "invalid_api_key", Msg: msg}
}

func forbidden(msg string) *apiError {
	return &apiError{Status: 403, Type: "permission_error", Code: "model_not_allowed", Msg: msg}
}

func modelNotFound(model string) *apiError {
	return &apiError{Status: 404, Type: "invalid_request_error", Param: "model", Code: "model_not_found",
		Msg: fmt.Sprintf("The model `%s` does not exist or you do not have access to it.", model)}
}

// errCircuitOpen means every target's breaker was open: nothing was tried.
type errCircuitOpen struct{ model string }

func (e *errCircuitOpen) Error() string { return "circuit breaker open for " + e.model }
func (e *errCircuitOpen) Class() string { return "circuit_open" }

// streamError is a stream that failed: before the first byte reached the
// client it is retryable; after, it ends the stream with an in-band error.
type streamError struct {
	kind string // cut, malformed, upstream_error
	err  error
}

func (e *streamError) Error() string {
	if e.err != nil {
		return "upstream stream " + e.kind + ": " + e.err.Error()
	}
	return "upstream stream " + e.kind
}
func (e *streamError) Unwrap() error { return e.err }
func (e *streamError) Class() string { return "stream_" + e.kind }

// retryable reports whether the same target may be tried again.
func retryable(err error) bool {
	var se *streamError
	return provider.Retryable(err) || errors.As(err, &se)
}

// errorClass is the capture's short name for err.
func errorClass(err error) string { return provider.Class(err) }

// errorResponse is the ONE mapping from typed errors to what the caller
// sees: status, body (OpenAI envelope) and the headers worth relaying.
func errorResponse(err error) (status int, body []byte, h http.Header) {
	h = http.Header{}
	var ae *apiError
	var se *provider.StatusError
	var te *provider.TimeoutError
	var ce *provider.ConnError
	var co *errCircuitOpen
	var st *streamError
	var mb *http.MaxBytesError
	switch {
	case errors.As(err, &ae):
		if ae.NoRetry {
			h.Set("X-Should-Retry", "false")
		}
		return ae.Status, openai.EncodeError(ae.Msg, ae.Type, ae.Param, ae.Code), h
	case errors.As(err, &se):
		return relayedStatus(se)
	case errors.Is(err, router.ErrUnknownModel):
		return errorResponse(&apiError{Status: 404, Type: "invalid_request_error", Code: "model_not_found", Param: "model", Msg: err.Error(), NoRetry: true})
	case errors.As(err, &mb):
		return 413, openai.EncodeError(fmt.Sprintf("Request body too large: the limit is %d bytes.", mb.Limit), "invalid_request_error", "", "request_too_large"), h
	case errors.Is(err, provider.ErrCanceled):
		return 499, openai.EncodeError("client closed the request", "invalid_request_error", "", "client_closed_request"), h
	case errors.As(err, &te):
		return 504, openai.EncodeError(te.Error(), "server_error", "", "upstream_timeout"), h
	case errors.As(err, &ce):
		return 502, openai.EncodeError(ce.Error(), "server_error", "", "upstream_unreachable"), h
	case errors.As(err, &st):
		return 502, openai.EncodeError(st.Error(), "server_error", "", "upstream_stream_error"), h
	case errors.As(err, &co):
		return 503, openai.EncodeError("All upstream targets are temporarily unavailable (circuit open). Retry shortly.", "server_error", "", "circuit_open"), h
	}
	return 500, openai.EncodeError("The gateway had an error while processing your request.", "server_error", "", "internal_error"), h
}

// relayedStatus relays an upstream error with its status and body; a body
// that is not an OpenAI envelope is wrapped in one so SDKs can read it.
func relayedStatus(se *provider.StatusError) (int, []byte, http.Header) {
	h := http.Header{}
	for _, k := range []string{"Retry-After", "Retry-After-Ms", "X-Should-Retry", "X-Request-Id"} {
		if v := se.Header.Get(k); v != "" {
			h.Set(k, v)
		}
	}
	for k, v := range se.Header {
		if len(k) > 12 && http.CanonicalHeaderKey(k)[:12] == "X-Ratelimit-" {
			h[k] = v
		}
	}
	body := se.Body
	if !gjson.GetBytes(body, "error").IsObject() {
		msg := string(body)
		if msg == "" {
			msg = http.StatusText(se.Status)
		}
		body = openai.EncodeError(msg, "upstream_error", "", "")
	}
	return se.Status, body, h
}

// streamErrorEvent is the in-band SSE error that ends a broken stream.
func streamErrorEvent(err error) []byte {
	code := errorClass(err)
	return provider.FormatErrorEvent(openai.EncodeError("The upstream stream failed: "+err.Error(), "server_error", "", code))
}
