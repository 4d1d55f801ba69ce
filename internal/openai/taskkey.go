package openai

import (
	"crypto/sha256"
	"encoding/hex"
	"sort"

	"github.com/tidwall/gjson"
)

// TaskKey identifies the kind of task a chat request is: a hash of its system
// prompt(s), the names of its tools, and its response-format schema. Requests
// of one task share a key even though their user turns differ, so sampling can
// be stratified and datasets split by task.
func TaskKey(body []byte) string {
	r := gjson.ParseBytes(body)
	h := sha256.New()
	r.Get("messages").ForEach(func(_, m gjson.Result) bool {
		if role := m.Get("role").String(); role == "system" || role == "developer" {
			h.Write([]byte(m.Get("content").Raw))
			h.Write([]byte{0})
		}
		return true
	})
	var names []string
	r.Get("tools").ForEach(func(_, t gjson.Result) bool {
		names = append(names, t.Get("function.name").String())
		return true
	})
	sort.Strings(names)
	for _, n := range names {
		h.Write([]byte(n))
		h.Write([]byte{1})
	}
	h.Write([]byte(r.Get("response_format.type").String()))
	h.Write([]byte(r.Get("response_format.json_schema.schema").Raw))
	return hex.EncodeToString(h.Sum(nil))[:16]
}
