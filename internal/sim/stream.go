package sim

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
	"unicode/utf8"
)

// sse writes one chat-completion stream.
type sse struct {
	w       http.ResponseWriter
	flusher http.Flusher
	base    wireChunk
	usage   bool // stream_options.include_usage
}

// fragments is how many pieces a content or arguments string is cut into.
const fragments = 6

// writeStream answers as SSE: role chunk, content or tool-call deltas (the
// arguments in fragments), finish chunk, usage chunk when asked, [DONE].
// The latency is split: 40% before the first chunk, the rest spread over
// the fragments. False when the client left first.
func (s *Server) writeStream(ctx context.Context, w http.ResponseWriter, t turn) bool {
	if !sleep(ctx, t.latency*4/10) {
		return false
	}
	flusher, _ := w.(http.Flusher)
	st := &sse{w: w, flusher: flusher, usage: t.req.StreamOptions != nil && t.req.StreamOptions.IncludeUsage,
		base: wireChunk{ID: newID("chatcmpl-sim"), Object: "chat.completion.chunk", Created: time.Now().Unix(),
			Model: t.model, ServiceTier: "default", SystemFingerprint: fingerprint}}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	pieces := st.plan(t.answer)
	gap := t.latency * 6 / 10 / time.Duration(len(pieces)+1)
	for _, d := range pieces {
		if !st.send(d, nil) || !sleep(ctx, gap) {
			return false
		}
	}
	reason := finishReason(t.answer)
	if !st.send(wireDelta{}, &reason) {
		return false
	}
	t.commit()
	if st.usage && !st.sendUsage(t.usage) {
		return true // counted: the answer itself was complete
	}
	_, _ = fmt.Fprint(w, "data: [DONE]\n\n")
	st.flush()
	return true
}

// plan lists the deltas of an answer, first one carrying the role.
func (st *sse) plan(a Answer) []wireDelta {
	if len(a.Calls) == 0 {
		out := []wireDelta{{Role: "assistant", Content: json.RawMessage(`""`), Refusal: json.RawMessage("null")}}
		for _, frag := range split(a.Content, fragments) {
			out = append(out, wireDelta{Content: mustJSON(frag)})
		}
		return out
	}
	var out []wireDelta
	for i, tc := range toolCalls(a) {
		idx := i
		head := wireToolCall{Index: &idx, ID: tc.ID, Type: "function", Function: wireFunction{Name: tc.Function.Name}}
		d := wireDelta{ToolCalls: []wireToolCall{head}}
		if i == 0 {
			d.Role, d.Content, d.Refusal = "assistant", json.RawMessage("null"), json.RawMessage("null")
		}
		out = append(out, d)
		for _, frag := range split(tc.Function.Arguments, fragments) {
			out = append(out, wireDelta{ToolCalls: []wireToolCall{{Index: &idx, Function: wireFunction{Arguments: frag}}}})
		}
	}
	return out
}

func (st *sse) send(d wireDelta, finish *string) bool {
	c := st.base
	c.Choices = []wireChunkChoice{{Delta: d, FinishReason: finish}}
	if st.usage {
		c.Usage = json.RawMessage("null")
	}
	return st.write(c)
}

func (st *sse) sendUsage(u usage) bool {
	c := st.base
	c.Choices = []wireChunkChoice{}
	c.Usage = mustJSON(u.wire())
	return st.write(c)
}

func (st *sse) write(c wireChunk) bool {
	b, err := json.Marshal(c)
	if err != nil {
		return false
	}
	if _, err := fmt.Fprintf(st.w, "data: %s\n\n", b); err != nil {
		return false
	}
	st.flush()
	return true
}

func (st *sse) flush() {
	if st.flusher != nil {
		st.flusher.Flush()
	}
}

// split cuts s into at most n non-empty pieces.
func split(s string, n int) []string {
	if s == "" {
		return nil
	}
	size := (len(s) + n - 1) / n
	var out []string
	for len(s) > size {
		cut := size
		for cut < len(s) && !utf8.RuneStart(s[cut]) {
			cut++
		}
		out = append(out, s[:cut])
		s = s[cut:]
	}
	if s == "" {
		return out
	}
	return append(out, s)
}

func mustJSON(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}
