package gateway

import (
	"fmt"
	"strconv"

	"github.com/tidwall/gjson"

	"github.com/fledgling-ai/fledgling/internal/openai"
)

// relay sends a committed upstream answer to the client.
func (c *call) relay(u *upstreamResult) {
	c.answer, c.candidate = &u.tgt, u.candidate
	c.upstreamID = u.res.Header.Get("X-Request-Id")
	if u.sse != nil {
		c.relayStream(u)
		return
	}
	c.relayBody(u)
}

// relayBody relays a non-streamed answer as the upstream sent it, with the
// model mapped back to the public name when the target renamed it.
func (c *call) relayBody(u *upstreamResult) {
	body := u.body
	c.msg = parseAnswer(c.kind, body)
	if u.tgt.renamed() && gjson.GetBytes(body, "model").Exists() {
		body = setJSON(body, "model", u.tgt.public)
	}
	c.attempts[u.attempt].Usage = c.msg.Usage
	h := c.w.Header()
	relayHeaders(h, u.res.Header)
	h.Set("X-Request-Id", c.clientRequestID())
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if v, ok := c.costHeader(u.tgt.public, c.msg.Usage); ok {
		h.Set("X-Fledgling-Cost-Usd", v)
	}
	c.status = u.res.Status
	c.w.WriteHeader(u.res.Status)
	if _, err := c.w.Write(body); err != nil {
		c.truncated = true
	}
}

// costHeader is the call's cost in decimal USD, when costs.header is on and
// the model is priced.
func (c *call) costHeader(model string, u openai.Usage) (string, bool) {
	if c.s.o.Pricer == nil || c.rt.cfg.Costs.Header == nil || !*c.rt.cfg.Costs.Header || !u.Present() {
		return "", false
	}
	micros, priced := c.s.o.Pricer.Cost(model, u)
	if !priced {
		return "", false
	}
	return formatUSD(micros), true
}

// formatUSD renders micro-USD as a decimal string, e.g. 1234 → "0.001234".
func formatUSD(micros int64) string {
	sign := ""
	if micros < 0 {
		sign, micros = "-", -micros
	}
	return fmt.Sprintf("%s%d.%06d", sign, micros/1_000_000, micros%1_000_000)
}
