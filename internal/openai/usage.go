package openai

import (
	"encoding/json"
	"strconv"

	"github.com/tidwall/gjson"
)

// Count is a token count that may be absent. Absent differs from zero: an
// upstream that does not report cached tokens has not reported zero cached
// tokens.
type Count struct {
	n  int64
	ok bool
}

// Some is a present count.
func Some(n int64) Count { return Count{n: n, ok: true} }

// Get returns the count and whether it is present.
func (c Count) Get() (int64, bool) { return c.n, c.ok }

// Or returns the count, or def when absent.
func (c Count) Or(def int64) int64 {
	if !c.ok {
		return def
	}
	return c.n
}

// Present reports whether the count was reported.
func (c Count) Present() bool { return c.ok }

// MarshalJSON writes null when absent (strconv, as json.Marshal would
// write an int64, without a reflective marshal per count).
func (c Count) MarshalJSON() ([]byte, error) {
	if !c.ok {
		return []byte("null"), nil
	}
	return strconv.AppendInt(make([]byte, 0, 20), c.n, 10), nil
}

// UnmarshalJSON reads null as absent.
func (c *Count) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*c = Count{}
		return nil
	}
	var n int64
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*c = Some(n)
	return nil
}

// Usage is a call's token usage as the upstream reported it.
// Input includes CachedInput and CacheWrite when present (OpenAI semantics);
// Output includes Reasoning.
type Usage struct {
	Input       Count `json:"input"`
	Output      Count `json:"output"`
	CachedInput Count `json:"cached_input"`
	CacheWrite  Count `json:"cache_write"`
	Reasoning   Count `json:"reasoning"`
}

// Present reports whether any usage was reported at all.
func (u Usage) Present() bool { return u.Input.ok || u.Output.ok }

// ParseUsage reads a "usage" object of chat completions, completions,
// embeddings or responses (input_tokens/output_tokens spellings too).
func ParseUsage(usage gjson.Result) Usage {
	if !usage.IsObject() {
		return Usage{}
	}
	var u Usage
	u.Input = count(usage, "prompt_tokens", "input_tokens")
	u.Output = count(usage, "completion_tokens", "output_tokens")
	u.CachedInput = count(usage, "prompt_tokens_details.cached_tokens", "input_tokens_details.cached_tokens")
	u.CacheWrite = count(usage, "prompt_tokens_details.cache_write_tokens", "input_tokens_details.cache_creation_tokens")
	u.Reasoning = count(usage, "completion_tokens_details.reasoning_tokens", "output_tokens_details.reasoning_tokens")
	return u
}

func count(obj gjson.Result, paths ...string) Count {
	for _, p := range paths {
		if v := obj.Get(p); v.Type == gjson.Number {
			return Some(v.Int())
		}
	}
	return Count{}
}
