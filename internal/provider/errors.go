package provider

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tidwall/gjson"
)

// ConnError means the upstream could not be reached (Dial) or the
// connection failed before a complete answer. Retryable.
type ConnError struct {
	Err  error
	Dial bool
}

func (e *ConnError) Error() string {
	if e.Dial {
		return "upstream connect failed: " + e.Err.Error()
	}
	return "upstream connection failed: " + e.Err.Error()
}
func (e *ConnError) Unwrap() error { return e.Err }

// TimeoutError means one of the attempt's timeouts expired. Retryable.
type TimeoutError struct {
	Phase string // response_header, first_token, idle, total
	After time.Duration
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("upstream timed out (%s after %s)", e.Phase, e.After)
}

// StatusError is an upstream answer with a non-2xx status, kept whole so it
// can be relayed to the caller as the upstream sent it.
type StatusError struct {
	Status int
	Header http.Header
	Body   []byte
	Type   string // error.type from the body, if any
	Code   string // error.code from the body, if any
	Msg    string
}

// NewStatusError parses the OpenAI error envelope of body, if there is one.
func NewStatusError(status int, h http.Header, body []byte) *StatusError {
	e := &StatusError{Status: status, Header: h, Body: body}
	if gjson.ValidBytes(body) {
		r := gjson.GetBytes(body, "error")
		e.Type, e.Code, e.Msg = r.Get("type").String(), r.Get("code").String(), r.Get("message").String()
		if e.Code == "" {
			e.Code = r.Get("innererror.code").String()
		}
	}
	return e
}

func (e *StatusError) Error() string {
	if e.Msg != "" {
		return fmt.Sprintf("upstream status %d: %s", e.Status, e.Msg)
	}
	return fmt.Sprintf("upstream status %d", e.Status)
}

// ContextLengthExceeded reports a prompt too long for the model: another
// target with a larger window may take it.
func (e *StatusError) ContextLengthExceeded() bool {
	if e.Status != 400 && e.Status != 413 {
		return false
	}
	m := strings.ToLower(e.Msg)
	return e.Code == "context_length_exceeded" || strings.Contains(m, "maximum context length") || strings.Contains(m, "context length exceeded")
}

// ContentFiltered reports a content-policy rejection, which is the
// caller's answer and is never routed around.
func (e *StatusError) ContentFiltered() bool {
	switch e.Code {
	case "content_filter", "content_policy_violation", "ResponsibleAIPolicyViolation":
		return true
	}
	return false
}

// Retryable reports whether the same target may be tried again: connection
// failures, timeouts, 408, 409, 429 and 5xx. An explicit x-should-retry
// header from the upstream wins.
func Retryable(err error) bool {
	var se *StatusError
	if errors.As(err, &se) {
		switch se.Header.Get("X-Should-Retry") {
		case "true":
			return true
		case "false":
			return false
		}
		return se.Status == 408 || se.Status == 409 || se.Status == 429 || se.Status >= 500
	}
	var ce *ConnError
	var te *TimeoutError
	return errors.As(err, &ce) || errors.As(err, &te)
}

// Class is a short, stable name for an error, used in captures and metrics.
func Class(err error) string {
	var se *StatusError
	var ce *ConnError
	var te *TimeoutError
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrCanceled):
		return "canceled"
	case errors.As(err, &te):
		return "timeout_" + te.Phase
	case errors.As(err, &ce):
		if ce.Dial {
			return "connect"
		}
		return "connection"
	case errors.As(err, &se):
		if se.ContextLengthExceeded() {
			return "context_length_exceeded"
		}
		if se.ContentFiltered() {
			return "content_filter"
		}
		return "http_" + strconv.Itoa(se.Status)
	}
	var cl interface{ Class() string }
	if errors.As(err, &cl) {
		return cl.Class()
	}
	return "error"
}
