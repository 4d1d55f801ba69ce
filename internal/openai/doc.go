// Package openai holds the few pieces of OpenAI's wire format that Fledgling
// must understand: token usage (with absent distinct from zero), the
// assistant message reassembled from a response or a stream, and the error
// envelope. Bodies themselves are never round-tripped through typed structs:
// the gateway forwards raw bytes and reads what it needs with gjson.
package openai
