package trainer

import (
	"context"
	"time"

	"github.com/fledgling-ai/fledgling/internal/capture"
)

// CaptureSource reads captured calls of one route in time order.
// internal/app adapts the capture store to it.
type CaptureSource interface {
	Scan(ctx context.Context, route string, from, to time.Time, fn func(*capture.Record) error) error
}

// Redactor removes configured patterns (emails, cards, custom regexps) from
// the string values of a JSON document before it is written into a dataset,
// keeping the document valid and byte-exact where nothing matched
// (*redact.Redactor implements it).
type Redactor interface {
	JSON(doc []byte) []byte
}

// CandidateSink receives each trained model. The app registers it as a new
// candidate version of its route, which shadow picks up; the trainer never
// touches routing itself.
type CandidateSink interface {
	AddCandidate(ctx context.Context, c NewCandidate) error
}

// NewCandidate is a trained model ready to be evaluated in shadow.
type NewCandidate struct {
	Route string `json:"route"`
	// Version distinguishes this candidate from earlier ones on the route.
	Version string `json:"version"`
	// PublicModel is the model name the gateway will know it by.
	PublicModel string `json:"public_model"`
	// UpstreamModel is the name sent to the provider (the LoRA name on vLLM,
	// the fine-tuned model id on OpenAI).
	UpstreamModel string `json:"upstream_model"`
	// Provider serves it (a providers entry), when known.
	Provider string `json:"provider,omitempty"`
	// AdapterPath is the LoRA adapter directory for exec-trained models.
	AdapterPath string `json:"adapter_path,omitempty"`
	BaseModel   string `json:"base_model,omitempty"`
	JobID       string `json:"job_id"`
	DatasetID   string `json:"dataset_id,omitempty"`
	// Loaded reports that the adapter was loaded into the serving provider at runtime.
	Loaded bool `json:"loaded"`
}

// nopRedactor keeps text as it is.
type nopRedactor struct{}

func (nopRedactor) JSON(doc []byte) []byte { return doc }
