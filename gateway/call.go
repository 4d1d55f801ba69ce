package gateway

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/fledgling-ai/fledgling/internal/capture"
	"github.com/fledgling-ai/fledgling/internal/openai"
	"github.com/fledgling-ai/fledgling/internal/provider"
	"github.com/fledgling-ai/fledgling/router"
)

// call is the state of one proxied request, passed explicitly through its
// phases: prepare (auth, decode, route) → run (targets, attempts) → relay →
// finish (record, off the response path).
type call struct {
	s    *Server
	rt   *runtime
	w    http.ResponseWriter
	r    *http.Request
	ctx  context.Context
	kind capture.Kind
	path string

	start time.Time
	id    string // Fledgling's id for the call: the capture's key, x-fledgling-request-id
	// upstreamID is the answering upstream's x-request-id, returned to the
	// client as its x-request-id (SDKs show it, support tickets quote it).
	upstreamID string
	key        *vkey
	body       []byte
	info       requestInfo
	decision   router.Decision
	routed     bool
	fwd        http.Header

	attempts  []capture.Attempt
	answer    *target
	candidate bool // the answer came from a candidate target
	msg       openai.Message
	status    int
	err       error
	truncated bool
	ttft      time.Duration
	sseBuf    []byte // scratch for a rewritten stream event
	stripBuf  []byte // scratch for an event's data without usage
}

// proxy is the handler of one POST endpoint.
func (s *Server) proxy(kind capture.Kind, path string) gin.HandlerFunc {
	return func(gc *gin.Context) {
		c := &call{s: s, rt: s.rt.Load(), w: gc.Writer, r: gc.Request, kind: kind, path: path,
			start: time.Now(), id: gc.GetString(requestIDKey)}
		c.ctx = c.r.Context()
		if s.o.Telemetry != nil {
			c.ctx = s.o.Telemetry.Start(c.ctx, c.r)
		}
		defer c.finish()
		if err := c.prepare(); err != nil {
			c.fail(err)
			c.sendNow()
			return
		}
		c.run()
		c.sendNow()
	}
}

// sendNow flushes a complete answer of known length to the client, so that
// finish builds and hands off the call's record after the client has its
// answer rather than before: otherwise net/http holds the answer's last
// bytes until the handler returns. An answer without Content-Length (a
// stream, which is flushed as it goes) is left alone: flushing it would
// switch it to chunked encoding. Not called when the handler panics, so
// the recovery can still write its error.
func (c *call) sendNow() {
	w, ok := c.w.(gin.ResponseWriter)
	if !ok || !w.Written() || w.Header().Get("Content-Length") == "" {
		return
	}
	w.Flush()
}

// prepare authenticates, reads and decodes the body, and routes.
func (c *call) prepare() error {
	var err error
	if c.key, err = c.rt.authenticate(c.r); err != nil {
		return err
	}
	if c.body, err = readBody(c.w, c.r, c.rt.cfg.Server.MaxBodyBytes); err != nil {
		return err
	}
	if c.info, err = DecodeRequest(c.kind, c.body); err != nil {
		return err
	}
	if !c.key.allowsModel(c.info.Model) {
		return forbidden("This API key may not use model " + c.info.Model + ".")
	}
	req := c.routerRequest()
	release := c.withFeatures(req)
	c.decision, err = c.s.o.Router.Decide(req)
	release()
	if errors.Is(err, router.ErrUnknownModel) || (err == nil && len(c.decision.Targets) == 0) {
		return modelNotFound(c.info.Model)
	}
	if err != nil {
		return err
	}
	c.routed = true
	if !c.key.allowsRoute(c.decision.Route) {
		return forbidden("This API key may not use route " + c.decision.Route + ".")
	}
	c.fwd = forwardHeaders(c.ctx, c.r.Header)
	return nil
}

func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	if r.ContentLength > limit {
		return nil, &http.MaxBytesError{Limit: limit}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return nil, mb
		}
		return nil, badRequest("", "could not read the request body: %v", err)
	}
	return body, nil
}

func (c *call) routerRequest() *router.Request {
	return &router.Request{
		Model: c.info.Model, Header: func(name string) string { return c.r.Header.Get(name) },
		KeyID: c.key.keyName(), Metadata: c.info.Metadata, User: c.info.User,
		Session: c.session(), RequestID: c.id,
	}
}

func (c *call) session() string {
	if s := c.r.Header.Get("X-Fledgling-Session-Id"); s != "" {
		return s
	}
	return c.info.Session
}

// run tries the decision's targets in order until one answers.
func (c *call) run() {
	var last error
	for fi, t := range c.decision.Targets {
		res, err := c.tryTarget(fi, t)
		if err == nil {
			c.relay(res)
			return
		}
		last = err
		if !fallBack(err, t) {
			break
		}
		c.s.log.Info("falling back", "request_id", c.id, "from", t.Model, "error", err)
	}
	c.fail(last)
}

// fallBack decides whether a target's failure moves on to the next target.
// A candidate falls back on anything; otherwise only retryable failures,
// an open breaker and a prompt too long for the model do. A content filter
// or another client error is the caller's answer.
func fallBack(err error, t router.Target) bool {
	var se *provider.StatusError
	switch {
	case errors.Is(err, provider.ErrCanceled):
		return false
	case errors.As(err, &se) && se.ContentFiltered():
		return false
	case t.Candidate:
		return true
	case errors.As(err, &se) && se.ContextLengthExceeded():
		return true
	}
	var co *errCircuitOpen
	return retryable(err) || errors.As(err, &co) || !isClientError(err)
}

// isClientError reports errors that say the request itself is wrong.
func isClientError(err error) bool {
	var se *provider.StatusError
	var ae *apiError
	if errors.As(err, &se) {
		return se.Status >= 400 && se.Status < 500
	}
	return errors.As(err, &ae) && ae.Status < 500
}

// tryTarget makes up to retry.max_attempts attempts on one target (one for
// a candidate), with backoff between them, under the target's breaker.
func (c *call) tryTarget(fi int, t router.Target) (*upstreamResult, error) {
	tgt, err := c.rt.resolve(t.Model)
	if err != nil {
		return nil, err
	}
	br, cfg := c.s.breaker(t.Model), c.rt.cfg
	tries := cfg.Retry.MaxAttempts
	if t.Candidate {
		tries = 1
	}
	var last error
	for n := 0; n < tries; n++ {
		if n > 0 {
			wait, ok := c.backoff(n, last)
			if !ok || !sleep(c.ctx, wait) {
				break
			}
		}
		if !br.Acquire(cfg.Breaker) {
			if last == nil {
				last = &errCircuitOpen{model: t.Model}
			}
			break
		}
		res, err := c.attempt(tgt, fi, n)
		c.judge(br, err)
		c.reportBreaker(t.Model, br)
		if err == nil {
			res.candidate = t.Candidate
			return res, nil
		}
		last = err
		if !retryable(err) {
			break
		}
	}
	return nil, last
}

// judge tells the breaker what an attempt says about the target's health.
func (c *call) judge(br *provider.Breaker, err error) {
	var se *provider.StatusError
	switch {
	case err == nil:
		br.Success()
	case errors.Is(err, provider.ErrCanceled):
		br.Release()
	case errors.As(err, &se) && (se.Status < 500 && se.Status != 408):
		br.Release() // a 4xx (incl. 429) is an answer, not an outage
	default:
		br.Failure(c.rt.cfg.Breaker)
	}
}

// breakerStates maps provider.Breaker states to the gauge's values.
var breakerStates = map[string]int{"closed": 0, "half_open": 1, "open": 2}

// reportBreaker tells the observer (if any) the target's breaker state.
func (c *call) reportBreaker(model string, br *provider.Breaker) {
	if obs := c.s.o.Breakers; obs != nil {
		obs.SetBreakerState(model, breakerStates[br.State(c.rt.cfg.Breaker)])
	}
}

// backoff is the wait before retry n. ok is false when the upstream asked
// for a wait beyond retry.max_backoff: hammering a 429 is never right, so
// the call moves on to the next target instead.
func (c *call) backoff(n int, last error) (time.Duration, bool) {
	rc := c.rt.cfg.Retry
	wait := provider.Backoff(n, rc)
	var se *provider.StatusError
	if errors.As(last, &se) {
		if ra, ok := provider.RetryAfter(se.Header, time.Now()); ok {
			if ra > rc.MaxBackoff {
				return 0, false
			}
			wait = max(wait, ra)
		}
	}
	return wait, true
}

func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// fail answers the call with err, unless the response already started.
func (c *call) fail(err error) {
	c.err = err
	if errors.Is(err, provider.ErrCanceled) || c.ctx.Err() != nil {
		c.status = 499
		return
	}
	var se *provider.StatusError
	if errors.As(err, &se) {
		c.upstreamID = se.Header.Get("X-Request-Id")
	}
	c.w.Header().Set("X-Request-Id", c.clientRequestID())
	c.status = writeError(c.w, err)
	if c.status >= 500 {
		c.s.log.Warn("call failed", "request_id", c.id, "model", c.info.Model, "status", c.status, "error", err)
	}
}

// upstreamBody is the caller's body for target t: only "model" is
// rewritten (when the upstream name differs) and, for streams, usage is
// requested so the call can be costed.
func (c *call) upstreamBody(t target) []byte {
	b := c.body
	if t.upstream != c.info.Model {
		b = setJSON(b, "model", t.upstream)
	}
	if c.injectUsage() {
		b = setJSON(b, "stream_options.include_usage", true)
	}
	return b
}

// injectUsage reports whether the gateway asks for a usage chunk the client
// did not ask for (and therefore strips it again).
func (c *call) injectUsage() bool {
	return c.info.Stream && !c.info.IncludeUsage && (c.kind == capture.KindChat || c.kind == capture.KindCompletion)
}

// isJSONContent reports a JSON answer, which some OpenAI-compatible
// servers send even when asked to stream; it is relayed as JSON.
func isJSONContent(h http.Header) bool {
	return strings.Contains(h.Get("Content-Type"), "application/json")
}

// clientRequestID is the x-request-id the client gets: the upstream's when
// it sent one, else Fledgling's own.
func (c *call) clientRequestID() string {
	if c.upstreamID != "" {
		return c.upstreamID
	}
	return c.id
}
