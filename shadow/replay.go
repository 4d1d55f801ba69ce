package shadow

import (
	"fmt"

	"github.com/tidwall/sjson"
)

// ReplayBody is the request a shadow model gets: the client's body exactly,
// with model rewritten to the shadow's public name and streaming turned off
// (a shadow answer is only read whole).
func ReplayBody(body []byte, model string) ([]byte, error) {
	out, err := sjson.SetBytes(body, "model", model)
	if err != nil {
		return nil, fmt.Errorf("rewrite model: %w", err)
	}
	if out, err = sjson.SetBytes(out, "stream", false); err != nil {
		return nil, fmt.Errorf("turn off stream: %w", err)
	}
	if out, err = sjson.DeleteBytes(out, "stream_options"); err != nil {
		return nil, fmt.Errorf("drop stream_options: %w", err)
	}
	return out, nil
}
