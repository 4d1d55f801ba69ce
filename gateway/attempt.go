package gateway

import (
	"errors"
	"io"
	"time"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"

	"github.com/fledgling-ai/fledgling/internal/capture"
	"github.com/fledgling-ai/fledgling/internal/provider"
)

// upstreamResult is an attempt that succeeded far enough to commit to: a
// complete non-streamed body, or a stream whose first event has arrived.
type upstreamResult struct {
	tgt       target
	res       *provider.Response
	body      []byte              // non-streamed
	sse       *provider.SSEReader // streamed
	first     provider.Event
	attempt   int // index into call.attempts
	candidate bool
}

// attempt makes one upstream try and records it. A stream counts as
// answered only once its first event arrived, so a stream failing before
// its first byte reached the client can still be retried or fall back.
func (c *call) attempt(t target, fi, n int) (*upstreamResult, error) {
	a := capture.Attempt{Model: t.public, Provider: t.provider, UpstreamModel: t.upstream, Start: time.Now(), Retry: n, Fallback: fi}
	res, err := t.client.Do(c.ctx, provider.Request{Path: c.path, Model: t.upstream, Body: c.upstreamBody(t), Header: c.fwd, Stream: c.info.Stream})
	out := &upstreamResult{tgt: t, res: res}
	if err == nil {
		a.Status = res.Status
		if c.info.Stream && !isJSONContent(res.Header) {
			err = c.firstEvent(out)
			a.TTFT = time.Since(a.Start)
		} else {
			out.body, err = io.ReadAll(res.Body)
			res.Body.Close()
		}
	}
	a.Duration = time.Since(a.Start)
	if err != nil {
		a.ErrorClass = errorClass(err)
		var se *provider.StatusError
		if errors.As(err, &se) {
			a.Status = se.Status
		}
		c.s.log.Debug("attempt failed", "request_id", c.id, "model", t.public, "retry", n, "fallback", fi, "error", err)
	}
	out.attempt = len(c.attempts)
	c.attempts = append(c.attempts, a)
	return out, err
}

// firstEvent reads up to the first data event of a stream (keep-alive
// comments before it are dropped) and checks it is a real chunk.
func (c *call) firstEvent(out *upstreamResult) error {
	out.sse = provider.NewSSEReader(out.res.Body)
	for {
		ev, err := out.sse.Next()
		if err != nil {
			out.res.Body.Close()
			return streamFailure(err)
		}
		if ev.Data == nil {
			continue
		}
		if e := gjson.GetBytes(ev.Data, "error"); e.Exists() && !ev.Done() {
			out.res.Body.Close()
			return provider.NewStatusError(502, out.res.Header, append([]byte(nil), ev.Data...))
		}
		if !ev.Done() && !gjson.ValidBytes(ev.Data) {
			out.res.Body.Close()
			return &streamError{kind: "malformed", err: errors.New("event data is not JSON")}
		}
		out.first = ev
		return nil
	}
}

// streamFailure classifies a read error of a stream.
func streamFailure(err error) error {
	switch {
	case err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF):
		return &streamError{kind: "cut", err: errors.New("the stream ended early")}
	case errors.Is(err, provider.ErrEventTooLarge):
		return &streamError{kind: "malformed", err: err}
	}
	return err // already a provider error (timeout, connection, canceled)
}

// setJSON sets path in a JSON body, leaving every other byte as it was.
func setJSON(b []byte, path string, v any) []byte {
	out, err := sjson.SetBytes(b, path, v)
	if err != nil {
		return b
	}
	return out
}
