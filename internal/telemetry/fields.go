package telemetry

import (
	"strings"
	"unsafe"

	"github.com/tidwall/gjson"
)

// fields indexes a request body's top-level keys in one pass, so reading a
// dozen parameters does not rescan a large messages array a dozen times.
// A body has a handful of top-level keys: a slice of raw values searched in
// order allocates less than a map of parsed ones (what span building
// allocates costs the requests: see docs/capture-overhead.md),
// and gjson.Parse of a raw value does not scan an object or array.
type fields []field

type field struct{ key, raw string }

// topFields indexes body into f (reused), and body must not change while
// the fields or any string read from them are in use (a record's body never
// does): the values point into it rather than into a copy.
func topFields(f fields, body []byte) fields {
	gjson.Parse(unsafe.String(unsafe.SliceData(body), len(body))).ForEach(func(k, v gjson.Result) bool {
		f = append(f, field{k.String(), v.Raw})
		return true
	})
	return f
}

// Get reads a top-level key, or a path below one ("response_format.type").
// A key given twice reads as its last value, as a map built in order would.
func (f fields) Get(path string) gjson.Result {
	head, rest, nested := strings.Cut(path, ".")
	var v gjson.Result
	for i := len(f) - 1; i >= 0; i-- {
		if f[i].key == head {
			v = gjson.Parse(f[i].raw)
			break
		}
	}
	if nested {
		return v.Get(rest)
	}
	return v
}
