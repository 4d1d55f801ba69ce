// Package features turns one raw chat-completions request body into the fixed
// feature vector that learned routing scores. It exists so that the trainer
// (which learns from stored request bodies) and the router (which scores live
// requests) compute byte-for-byte the same vector: both call Extract, and a
// model trained on one version of the layout is only served with that version
// (see Version).
//
// Layout (Dim = 2208 float32 values, each block documented by its offset):
//
//	[UserOff, +TextBuckets)     last user turn: word unigrams, word bigrams and
//	                            character 3-grams, signed hashing, L2-normalised
//	[SystemOff, +TextBuckets)   system/developer prompt(s), same scheme, own hash seed
//	[ToolOff, +ToolBuckets)     tool (function) names, signed hashing, L2-normalised
//	[TaskOff, +TaskBuckets)     task key, one-hot of its hash
//	[DenseOff, +DenseSlots)     dense: see the Dense* constants
//
// Text is lower-cased ASCII-wise and only its first MaxTextBytes bytes are
// hashed, so the cost per request is bounded whatever the prompt size.
package features

import "math"

// Version names the layout; bump it when any block changes.
const Version = "fledgling-features-v1"

// Block sizes and offsets of the feature vector.
const (
	TextBuckets = 1 << 10
	ToolBuckets = 64
	TaskBuckets = 64
	DenseSlots  = 32

	UserOff   = 0
	SystemOff = UserOff + TextBuckets
	ToolOff   = SystemOff + TextBuckets
	TaskOff   = ToolOff + ToolBuckets
	DenseOff  = TaskOff + TaskBuckets

	// Dim is the length of every feature vector.
	Dim = DenseOff + DenseSlots

	// MaxTextBytes of each text field are hashed.
	MaxTextBytes = 4096
)

// Dense slots (offsets from DenseOff).
const (
	DenseMessages       = iota // log1p(number of messages) / 4
	DenseUserLen               // log1p(bytes of last user turn) / 10
	DenseSystemLen             // log1p(bytes of system prompt) / 10
	DenseBodyLen               // log1p(bytes of the whole body) / 12
	DenseTools                 // log1p(number of tools) / 3
	DenseHasTools              // 1 when tools are offered
	DenseFormatText            // response_format.type == "text"
	DenseFormatJSON            // response_format.type == "json_object"
	DenseFormatSchema          // response_format.type == "json_schema"
	DenseHasFormat             // any response_format present
	DenseAssistantTurns        // log1p(assistant turns) / 3
	DenseToolTurns             // log1p(tool-result messages) / 3
	DenseHasToolChoice         // tool_choice present
	// DenseUserLenBucket starts UserLenBuckets one-hot slots of the last user
	// turn's length: < 32, 64, 128, 256, 512, 1024, 2048 bytes, and longer
	// (lets a linear model use length non-linearly).
	DenseUserLenBucket
)

// UserLenBuckets is the number of user-length buckets.
const UserLenBuckets = 8

// Hash seeds keep the blocks' hash spaces independent.
const (
	seedUser   uint32 = 0x9e3779b1
	seedSystem uint32 = 0x85ebca77
	seedTool   uint32 = 0xc2b2ae3d
	seedTask   uint32 = 0x27d4eb2f
)

// Extract returns a new feature vector for body. taskKey, when not empty, is
// the request's task key (e.g. from the route's task-key header); otherwise
// one is derived from the system prompt, tool names and response format.
func Extract(body []byte, taskKey string) []float32 {
	v := make([]float32, Dim)
	ExtractInto(v, body, taskKey)
	return v
}

// normalize scales v to unit L2 norm (a zero vector stays zero).
func normalize(v []float32) {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	if s == 0 {
		return
	}
	inv := float32(1 / math.Sqrt(s))
	for i := range v {
		v[i] *= inv
	}
}
