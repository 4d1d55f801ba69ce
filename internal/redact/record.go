package redact

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"

	"github.com/fledgling-ai/fledgling/internal/capture"
	"github.com/fledgling-ai/fledgling/internal/jsonlit"
)

// Redact returns a copy of rec with secrets and patterns removed from every
// content-bearing field: the request body's string values, the response
// text, refusal and tool-call arguments, the error message, user, session,
// tags and metadata. rec itself is not modified.
func (r *Redactor) Redact(rec *capture.Record) *capture.Record {
	if rec == nil {
		return nil
	}
	out := *rec
	out.Tags = slices.Clone(rec.Tags)
	out.Metadata = maps.Clone(rec.Metadata)
	out.Attempts = slices.Clone(rec.Attempts)
	out.Response.ToolCalls = slices.Clone(rec.Response.ToolCalls)
	if !r.active() {
		return &out
	}
	out.Request = r.JSON(rec.Request)
	out.Response.Content = r.String(rec.Response.Content)
	out.Response.Refusal = r.String(rec.Response.Refusal)
	for i := range out.Response.ToolCalls {
		out.Response.ToolCalls[i].Arguments = r.String(out.Response.ToolCalls[i].Arguments)
	}
	out.ErrorMessage = r.String(rec.ErrorMessage)
	out.User = r.String(rec.User)
	out.Session = r.String(rec.Session)
	for i, t := range out.Tags {
		out.Tags[i] = r.String(t)
	}
	for k, v := range out.Metadata {
		out.Metadata[k] = r.String(v)
	}
	return &out
}

// JSON redacts the string values of a JSON document, keeping its key order
// and formatting and leaving object keys alone. The result is valid JSON
// whenever the input was. Invalid JSON is redacted as plain bytes.
func (r *Redactor) JSON(doc []byte) []byte {
	if len(doc) == 0 || !r.mightMatch(doc) {
		return doc
	}
	if !json.Valid(doc) {
		return r.Bytes(doc)
	}
	return jsonlit.MapValues(doc, r.literal)
}

// literal redacts one JSON string literal (quotes included). A literal
// without escapes that matches nothing as raw bytes is left as it is
// without decoding it.
func (r *Redactor) literal(lit []byte) []byte {
	if bytes.IndexByte(lit, '\\') < 0 && !r.matchesAny(lit) {
		return lit
	}
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
