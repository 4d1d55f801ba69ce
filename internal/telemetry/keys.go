package telemetry

// Attribute keys. The GenAI keys are those of the semantic conventions
// v1.41 (the last release that contains them; see the reference notes), so
// they are spelled out here rather than imported from a semconv package.
const (
	keyOperation          = "gen_ai.operation.name"
	keyProvider           = "gen_ai.provider.name"
	keyRequestModel       = "gen_ai.request.model"
	keyResponseModel      = "gen_ai.response.model"
	keyResponseID         = "gen_ai.response.id"
	keyFinishReasons      = "gen_ai.response.finish_reasons"
	keyTimeToFirstChunk   = "gen_ai.response.time_to_first_chunk"
	keyConversationID     = "gen_ai.conversation.id"
	keyOutputType         = "gen_ai.output.type"
	keyTemperature        = "gen_ai.request.temperature"
	keyTopP               = "gen_ai.request.top_p"
	keyTopK               = "gen_ai.request.top_k"
	keyMaxTokens          = "gen_ai.request.max_tokens"
	keyStopSequences      = "gen_ai.request.stop_sequences"
	keySeed               = "gen_ai.request.seed"
	keyFrequencyPenalty   = "gen_ai.request.frequency_penalty"
	keyPresencePenalty    = "gen_ai.request.presence_penalty"
	keyChoiceCount        = "gen_ai.request.choice.count"
	keyStream             = "gen_ai.request.stream"
	keyEncodingFormats    = "gen_ai.request.encoding_formats"
	keyEmbeddingDims      = "gen_ai.embeddings.dimension.count"
	keyInputTokens        = "gen_ai.usage.input_tokens"
	keyOutputTokens       = "gen_ai.usage.output_tokens"
	keyCacheReadTokens    = "gen_ai.usage.cache_read.input_tokens"
	keyCacheCreateTokens  = "gen_ai.usage.cache_creation.input_tokens"
	keyReasoningTokens    = "gen_ai.usage.reasoning.output_tokens"
	keyTokenType          = "gen_ai.token.type"
	keyInputMessages      = "gen_ai.input.messages"
	keyOutputMessages     = "gen_ai.output.messages"
	keySystemInstructions = "gen_ai.system_instructions"
	keyToolDefinitions    = "gen_ai.tool.definitions"
	keyErrorType          = "error.type"
	keyServerAddress      = "server.address"
	keyServerPort         = "server.port"
	keyOpenAIAPIType      = "openai.api.type"
	keyOpenAIServiceTier  = "openai.request.service_tier"
	keyResendCount        = "http.request.resend_count"
	keyHTTPStatus         = "http.response.status_code"
	keyHTTPMethod         = "http.request.method"
	keyHTTPRoute          = "http.route"
	keyURLPath            = "url.path"
	keyUserAgent          = "user_agent.original"
	keyUserID             = "user.id"
	keySessionID          = "session.id"

	keyLFType            = "langfuse.observation.type"
	keyLFModel           = "langfuse.observation.model.name"
	keyLFModelParams     = "langfuse.observation.model.parameters"
	keyLFInput           = "langfuse.observation.input"
	keyLFOutput          = "langfuse.observation.output"
	keyLFUsage           = "langfuse.observation.usage_details"
	keyLFCost            = "langfuse.observation.cost_details"
	keyLFCompletionStart = "langfuse.observation.completion_start_time"
	keyLFLevel           = "langfuse.observation.level"
	keyLFStatusMessage   = "langfuse.observation.status_message"
	keyLFTraceName       = "langfuse.trace.name"
	keyLFUserID          = "langfuse.user.id"
	keyLFSessionID       = "langfuse.session.id"
	keyLFTags            = "langfuse.trace.tags"
	keyLFTraceMetadata   = "langfuse.trace.metadata."
	keyLFEnvironment     = "langfuse.environment"
	keyLFRelease         = "langfuse.release"

	keyRoute     = "fledgling.route"
	keyRequestID = "fledgling.request_id"
	// keyUpstreamRequestID is the answering upstream's x-request-id (what
	// the client got as its x-request-id and OpenAI support asks for).
	keyUpstreamRequestID = "fledgling.upstream_request_id"
	keyKeyID             = "fledgling.key_id"
	keyStage             = "fledgling.stage"
	keyTaskKey           = "fledgling.task_key"
	keyPublicModel       = "fledgling.model"
	keyAttemptIndex      = "fledgling.attempt.index"
	keyAttemptRetry      = "fledgling.attempt.retry"
	keyAttemptFallback   = "fledgling.attempt.fallback"
	keyAttemptFinal      = "fledgling.attempt.final"
	keyCostMicros        = "fledgling.cost_micros"
	keyCandidate         = "fledgling.served_by_candidate"
	keyTruncated         = "fledgling.truncated"
)

// Content attributes hold prompts and completions. A destination with
// content capture off receives none; Langfuse gets only its own pair and a
// generic backend only the semconv ones, so content is never sent twice.
var (
	langfuseContentKeys = map[string]bool{keyLFInput: true, keyLFOutput: true}
	semconvContentKeys  = map[string]bool{keyInputMessages: true, keyOutputMessages: true,
		keySystemInstructions: true, keyToolDefinitions: true}
	contentKeys = union(langfuseContentKeys, semconvContentKeys)
)

func union(a, b map[string]bool) map[string]bool {
	out := map[string]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

// tracerName is the instrumentation scope of every span Fledgling emits;
// the Langfuse destination only receives spans of this scope.
const tracerName = "github.com/fledgling-ai/fledgling"
