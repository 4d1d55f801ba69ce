package telemetry

import (
	"strings"

	"github.com/tidwall/gjson"
)

// fields indexes a request body's top-level keys in one pass, so reading a
// dozen parameters does not rescan a large messages array a dozen times.
type fields map[string]gjson.Result

func topFields(body []byte) fields {
	f := fields{}
	gjson.ParseBytes(body).ForEach(func(k, v gjson.Result) bool {
		f[k.String()] = v
		return true
	})
	return f
}

// Get reads a top-level key, or a path below one ("response_format.type").
func (f fields) Get(path string) gjson.Result {
	head, rest, nested := strings.Cut(path, ".")
	v := f[head]
	if nested {
		return v.Get(rest)
	}
	return v
}
