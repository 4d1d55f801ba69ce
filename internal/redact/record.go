package redact

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"unicode/utf8"

	"github.com/tidwall/gjson"

	"github.com/fledgling-ai/fledgling/internal/capture"
	"github.com/fledgling-ai/fledgling/internal/jsonlit"
	"github.com/fledgling-ai/fledgling/internal/openai"
)

// Redact returns a copy of rec with secrets and patterns removed from every
// content-bearing field: the request body's string values, the response
// text, refusal and tool-call arguments, the error message, user, session,
// tags and metadata. rec itself is not modified. The copy shares with rec
// the attempts and every slice or map whose values redaction left as they
// were (what the copy allocates costs the requests: see
// docs/capture-overhead.md), so neither record may be changed afterwards.
func (r *Redactor) Redact(rec *capture.Record) *capture.Record {
	if rec == nil {
		return nil
	}
	out := *rec
	if !r.active() {
		return &out
	}
	out.Request = r.JSON(rec.Request)
	out.Response.Content = r.String(rec.Response.Content)
	out.Response.Refusal = r.String(rec.Response.Refusal)
	out.Response.ToolCalls = r.toolCalls(rec.Response.ToolCalls)
	out.ErrorMessage = r.String(rec.ErrorMessage)
	out.User = r.String(rec.User)
	out.Session = r.String(rec.Session)
	out.Tags = r.strings(rec.Tags)
	out.Metadata = r.stringMap(rec.Metadata)
	return &out
}

// toolCalls is calls with their arguments redacted: calls itself when
// nothing changed, else a copy.
func (r *Redactor) toolCalls(calls []openai.ToolCall) []openai.ToolCall {
	return copyOnChange(calls, func(tc openai.ToolCall) (openai.ToolCall, bool) {
		red := r.String(tc.Arguments)
		changed := red != tc.Arguments
		tc.Arguments = red
		return tc, changed
	})
}

// strings is ss redacted: ss itself when nothing changed, else a copy.
func (r *Redactor) strings(ss []string) []string {
	return copyOnChange(ss, func(s string) (string, bool) {
		red := r.String(s)
		return red, red != s
	})
}

// copyOnChange applies change to each item: items itself when change
// changed none, else a copy holding the changed items.
func copyOnChange[T any](items []T, change func(T) (T, bool)) []T {
	var out []T
	for i, it := range items {
		v, changed := change(it)
		if !changed {
			continue
		}
		if out == nil {
			out = slices.Clone(items)
		}
		out[i] = v
	}
	if out == nil {
		return items
	}
	return out
}

// stringMap is m with its values redacted: m itself when nothing changed,
// else a copy.
func (r *Redactor) stringMap(m map[string]string) map[string]string {
	var out map[string]string
	for k, v := range m {
		red := r.String(v)
		if red == v {
			continue
		}
		if out == nil {
			out = maps.Clone(m)
		}
		out[k] = red
	}
	if out == nil {
		return m
	}
	return out
}

// JSON redacts the string values of a JSON document, keeping its key order
// and formatting and leaving object keys alone. The result is valid JSON
// whenever the input was. Invalid JSON is redacted as plain bytes.
func (r *Redactor) JSON(doc []byte) []byte {
	if len(doc) == 0 || !r.mightMatch(doc) {
		return doc
	}
	if !gjson.ValidBytes(doc) { // as strict as json.Valid (FuzzValidityAgreesWithEncodingJSON), 3x faster
		return r.Bytes(doc)
	}
	return jsonlit.MapValues(doc, r.literal)
}

// literal redacts one JSON string literal (quotes included). A literal
// without escapes, in valid UTF-8, is redacted on its bytes, without
// decoding it, when its redaction needs no escape either: that is what
// decoding, redacting and encoding it would give. Most literals match
// nothing and come back as they were, after one pass of the patterns.
func (r *Redactor) literal(lit []byte) []byte {
	if len(lit) < 2 || lit[len(lit)-1] != '"' { // unclosed: only in invalid JSON, which JSON redacts as bytes
		return r.Bytes(lit)
	}
	inner := lit[1 : len(lit)-1]
	if bytes.IndexByte(inner, '\\') >= 0 || !utf8.Valid(inner) {
		return r.literalDecoded(lit)
	}
	red := r.Bytes(inner) // Bytes returns new bytes when it changes any, never writing into its input
	if bytes.Equal(red, inner) {
		return lit
	}
	if needsJSONEscape(red) {
		return r.literalDecoded(lit)
	}
	out := make([]byte, 0, len(red)+2)
	return append(append(append(out, '"'), red...), '"')
}

// literalDecoded is literal by way of decoding and re-encoding.
func (r *Redactor) literalDecoded(lit []byte) []byte {
	var s string
	if err := json.Unmarshal(lit, &s); err != nil {
		return lit
	}
	red := r.String(s)
	if red == s {
		return lit
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(red)
	return bytes.TrimRight(buf.Bytes(), "\n")
}

// needsJSONEscape reports whether encoding/json (HTML escaping off) would
// write b other than as it is: quotes, backslashes, control characters,
// U+2028, U+2029 and invalid UTF-8.
func needsJSONEscape(b []byte) bool {
	for _, c := range b {
		if c == '"' || c == '\\' || c < 0x20 {
			return true
		}
	}
	return !utf8.Valid(b) || bytes.Contains(b, []byte("\u2028")) || bytes.Contains(b, []byte("\u2029"))
}
