package shadow

import (
	"context"

	"github.com/fledgling-ai/fledgling/internal/openai"
)

// Caller sends a non-streamed chat completion body to a public model name
// and returns the upstream's status and body. err is a transport failure or
// timeout; a non-2xx answer may come back as status+body or as err.
type Caller interface {
	Call(ctx context.Context, model string, body []byte) (status int, respBody []byte, err error)
}

// Pricer costs usage on a public model name in micro-USD; priced is false
// for a model without a price (the same shape as gateway.Pricer).
type Pricer interface {
	Cost(model string, u openai.Usage) (micros int64, priced bool)
}

// Redactor removes secrets and configured patterns from text before a pair
// is stored.
type Redactor interface {
	String(s string) string
}
