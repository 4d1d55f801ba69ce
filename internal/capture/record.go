// Package capture defines the record of one call through the gateway and the
// durable, append-only store it goes to. Captures are the raw material of both
// asynchronous loops: shadow evaluation replays them, the trainer turns them
// into datasets, and the cost rollups are maintained as they are written.
package capture

import (
	"encoding/json"
	"time"

	"github.com/fledgling-ai/fledgling/internal/openai"
)

// Kind is the API operation of a call.
type Kind string

// The operations the gateway proxies.
const (
	KindChat       Kind = "chat"
	KindCompletion Kind = "text_completion"
	KindEmbedding  Kind = "embeddings"
	KindResponses  Kind = "responses"
)

// Record is one call, written once when the call is complete. What is
// stored or exported never holds a secret: the virtual key is referred to by
// name, and content is redacted first (Redacted).
type Record struct {
	// ID is Fledgling's id for the call (x-fledgling-request-id), which
	// starts with the time (gateway.NewRequestID) and is the store's key.
	ID string `json:"id"`
	// UpstreamRequestID is the answering upstream's x-request-id, which the
	// client gets as its x-request-id; empty when the upstream sent none
	// (the client then gets ID).
	UpstreamRequestID string            `json:"upstream_request_id,omitempty"`
	TraceID           string            `json:"trace_id,omitempty"`
	SpanID            string            `json:"span_id,omitempty"`
	Time              time.Time         `json:"time"` // request received
	Kind              Kind              `json:"kind"`
	Route             string            `json:"route,omitempty"`
	KeyID             string            `json:"key_id,omitempty"` // virtual key name
	Stream            bool              `json:"stream"`
	TaskKey           string            `json:"task_key,omitempty"`
	User              string            `json:"user,omitempty"`
	Session           string            `json:"session,omitempty"`
	Tags              []string          `json:"tags,omitempty"`
	Metadata          map[string]string `json:"metadata,omitempty"`

	RequestedModel    string `json:"requested_model"`           // what the client sent
	PrimaryModel      string `json:"primary_model,omitempty"`   // the route's reference model
	TargetModel       string `json:"target_model,omitempty"`    // first target the router chose
	AnsweringModel    string `json:"answering_model,omitempty"` // public name of the model that answered
	UpstreamModel     string `json:"upstream_model,omitempty"`  // model field the upstream returned
	Provider          string `json:"provider,omitempty"`
	Stage             string `json:"stage,omitempty"` // promotion stage of the route when served
	ServedByCandidate bool   `json:"served_by_candidate,omitempty"`

	Request  json.RawMessage `json:"request,omitempty"` // redacted request body
	Response openai.Message  `json:"response"`          // reassembled answer
	Usage    openai.Usage    `json:"usage"`

	Status       int    `json:"status"`
	ErrorClass   string `json:"error_class,omitempty"`
	ErrorMessage string `json:"error_message,omitempty"`
	Truncated    bool   `json:"truncated,omitempty"` // stream cut or cancelled before its end

	Latency time.Duration `json:"latency"`
	TTFT    time.Duration `json:"ttft,omitempty"` // streams: time to first chunk relayed

	CostMicros int64 `json:"cost_micros"`
	Priced     bool  `json:"priced"`
	// CounterfactualMicros is what the call would have cost at the primary's price.
	CounterfactualMicros int64 `json:"counterfactual_micros"`

	Attempts []Attempt `json:"attempts,omitempty"`

	redaction *deferredRedaction // see DeferRedaction; never encoded
}

// Attempt is one upstream try within a call: retries and fallbacks each add one.
type Attempt struct {
	Model         string        `json:"model"` // public name
	Provider      string        `json:"provider"`
	UpstreamModel string        `json:"upstream_model"`
	Start         time.Time     `json:"start"`
	Duration      time.Duration `json:"duration"`
	TTFT          time.Duration `json:"ttft,omitempty"`
	Status        int           `json:"status"`
	ErrorClass    string        `json:"error_class,omitempty"`
	Retry         int           `json:"retry"`    // 0 for the first try on this target
	Fallback      int           `json:"fallback"` // index of the target in the route's order
	Usage         openai.Usage  `json:"usage"`
	CostMicros    int64         `json:"cost_micros"`
}

// OK reports whether the call succeeded from the client's point of view.
func (r *Record) OK() bool {
	return r.Status >= 200 && r.Status < 300 && r.ErrorClass == "" && !r.Truncated
}
