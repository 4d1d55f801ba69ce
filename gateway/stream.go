package gateway

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"time"
	"unsafe"

	"github.com/tidwall/gjson"

	"github.com/fledgling-ai/fledgling/internal/capture"
	"github.com/fledgling-ai/fledgling/internal/provider"
)

var doneEvent = []byte("data: [DONE]\n\n")

// relayStream relays a committed stream event by event, flushing whenever
// no further event is already waiting in the read buffer (events that
// arrived in one read leave in one write, as httputil.ReverseProxy does),
// while a tap reassembles the answer from a copy. After the first byte
// reached the client nothing is retried: a cut, stalled or malformed stream
// ends with an in-band error event and no [DONE].
func (c *call) relayStream(u *upstreamResult) {
	defer u.res.Body.Close()
	defer u.sse.Release()
	c.writeStreamHeaders(u)
	tp := newTap(c.kind)
	flusher, _ := c.w.(http.Flusher)
	ev := u.first
	var end error
	for {
		stop, err := c.relayEvent(ev, tp)
		if c.ttft == 0 {
			c.ttft = time.Since(c.start)
		}
		if flusher != nil && (stop || err != nil || !u.sse.EventReady()) {
			flusher.Flush()
		}
		if stop || err != nil {
			end = err
			break
		}
		if ev, err = u.sse.Next(); err != nil {
			end = c.streamEnded(err, tp)
			break
		}
	}
	c.endStream(u, tp, end, flusher)
}

func (c *call) writeStreamHeaders(u *upstreamResult) {
	h := c.w.Header()
	relayHeaders(h, u.res.Header)
	h.Set("X-Request-Id", c.clientRequestID())
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "text/event-stream")
	}
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	if c.rt.cfg.Costs.HeaderOnStreams && c.s.o.Pricer != nil {
		h.Set("Trailer", "X-Fledgling-Cost-Usd")
	}
	c.status = u.res.Status
	c.w.WriteHeader(u.res.Status)
}

// relayEvent writes one event (transformed when needed) and feeds the tap.
// stop is true at [DONE] or an in-band upstream error.
func (c *call) relayEvent(ev provider.Event, tp *tap) (stop bool, err error) {
	switch {
	case ev.Data == nil: // keep-alive comment
		return false, c.write(ev.Raw)
	case ev.Done():
		tp.finished = true
		return true, c.write(ev.Raw)
	}
	js := eventJSON(c.kind, ev.Data)
	if !gjson.Valid(js) {
		return true, &streamError{kind: "malformed", err: errors.New("event data is not JSON")}
	}
	r := gjson.Parse(js)
	f := scanFields(r)
	tp.add(ev.Name, r, &f)
	if tp.failed != "" {
		if werr := c.write(ev.Raw); werr != nil {
			return true, werr
		}
		return true, &streamError{kind: "upstream_error", err: errors.New(tp.failed)}
	}
	data, keep := c.transform(ev.Data, &f)
	if !keep {
		return false, nil
	}
	if len(data) == len(ev.Data) && bytes.Equal(data, ev.Data) {
		return false, c.write(ev.Raw)
	}
	c.sseBuf = appendEvent(c.sseBuf[:0], ev.Name, data)
	return false, c.write(c.sseBuf)
}

// eventJSON is an event's data as a string for gjson. Chat and completion
// chunks are read in place (a view of the reader's buffer, valid until the
// next event; the tap clones what it keeps and the relayed bytes are written
// before the next read). Responses events keep one copy, because
// parseResponsesObject keeps substrings of it.
func eventJSON(kind capture.Kind, data []byte) string {
	if kind == capture.KindResponses {
		return string(data)
	}
	return unsafe.String(unsafe.SliceData(data), len(data))
}

// transform strips the usage the gateway injected (the usage-only chunk
// and "usage": null keys) and maps the model name back when renamed. f are
// data's top-level fields.
func (c *call) transform(data []byte, f *fields) ([]byte, bool) {
	if c.injectUsage() && f.usage.Exists() {
		if ch := f.choices; f.usage.IsObject() && (!ch.Exists() || ch.Type == gjson.Null || (ch.IsArray() && emptyArray(ch))) {
			return nil, false
		}
		data = c.withoutUsage(data, f.usage)
	}
	if c.answer != nil && c.answer.renamed() {
		path := "model"
		if c.kind == capture.KindResponses {
			path = "response.model"
		}
		if gjson.GetBytes(data, path).Exists() {
			data = setJSON(data, path, c.answer.public)
		}
	}
	return data, true
}

func emptyArray(a gjson.Result) bool {
	empty := true
	a.ForEach(func(_, _ gjson.Result) bool {
		empty = false
		return false
	})
	return empty
}

// appendEvent renders an event with data to b.
func appendEvent(b []byte, name string, data []byte) []byte {
	if name != "" {
		b = append(append(append(b, "event: "...), name...), '\n')
	}
	b = append(append(b, "data: "...), data...)
	return append(b, '\n', '\n')
}

// write sends bytes to the client; a failure means the client is gone.
func (c *call) write(b []byte) error {
	if _, err := c.w.Write(b); err != nil {
		return provider.ErrCanceled
	}
	return nil
}

// streamEnded decides what the end of the upstream's stream means. A
// stream ending without [DONE] but complete (a finish reason or a terminal
// responses event was seen) is finished cleanly.
func (c *call) streamEnded(err error, tp *tap) error {
	if err != io.EOF {
		return streamFailure(err)
	}
	if !tp.finished {
		return streamFailure(err)
	}
	if c.kind == capture.KindChat || c.kind == capture.KindCompletion {
		return c.write(doneEvent)
	}
	return nil
}

// endStream records how the stream ended, writing the in-band error event
// when it broke, and the cost trailer when configured.
func (c *call) endStream(u *upstreamResult, tp *tap, end error, flusher http.Flusher) {
	c.msg = tp.message()
	a := &c.attempts[u.attempt]
	a.Usage, a.Duration = c.msg.Usage, time.Since(a.Start)
	if end != nil {
		c.err, c.truncated = end, true
		a.ErrorClass = errorClass(end)
		if !errors.Is(end, provider.ErrCanceled) && c.ctx.Err() == nil {
			var se *streamError
			if !(errors.As(end, &se) && se.kind == "upstream_error") {
				_ = c.write(streamErrorEvent(end))
			}
			c.s.log.Warn("stream broken after first byte", "request_id", c.id, "model", u.tgt.public, "error", end)
		} else {
			c.status = 499
		}
	}
	if c.w.Header().Get("Trailer") != "" {
		if v, ok := c.costHeader(u.tgt.public, c.msg.Usage); ok {
			c.w.Header().Set("X-Fledgling-Cost-Usd", v)
		}
	}
	if flusher != nil {
		flusher.Flush()
	}
}
