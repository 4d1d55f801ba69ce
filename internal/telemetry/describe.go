package telemetry

import (
	"encoding/json"
	"net"
	"net/url"
	"sort"
	"strconv"

	"github.com/tidwall/gjson"
	"go.opentelemetry.io/otel/attribute"

	"github.com/fledgling-ai/fledgling/internal/capture"
	"github.com/fledgling-ai/fledgling/internal/config"
	"github.com/fledgling-ai/fledgling/internal/jsonlit"
)

// callDesc is what every span of one call shares, computed once per Finish.
type callDesc struct {
	operation     string
	apiType       string // openai.api.type
	providerName  string
	requestModel  string
	responseModel string
	// request holds the GenAI request attributes (parameters, stream…).
	request []attribute.KeyValue
	// modelParams is the Langfuse model parameters JSON object.
	modelParams string
	// trace holds the trace-level attributes copied onto every span.
	trace []attribute.KeyValue
	// body indexes the request's top-level fields.
	body fields
}

// operationOf maps a record kind to gen_ai.operation.name and openai.api.type.
func operationOf(k capture.Kind) (op, apiType string) {
	switch k {
	case capture.KindCompletion:
		return "text_completion", ""
	case capture.KindEmbedding:
		return "embeddings", ""
	case capture.KindResponses:
		return "chat", "responses"
	}
	return "chat", "chat_completions"
}

// providerInfo is what spans say about an upstream provider.
type providerInfo struct {
	name    string // gen_ai.provider.name
	address string
	port    int
}

// providerInfos derives provider attributes from the providers config.
func providerInfos(ps map[string]config.Provider) map[string]providerInfo {
	out := make(map[string]providerInfo, len(ps))
	for name, p := range ps {
		info := providerInfo{name: "openai"}
		if p.Type == "azure" {
			info.name = "azure.ai.openai"
		}
		if u, err := url.Parse(p.BaseURL); err == nil && u.Host != "" {
			info.address = u.Hostname()
			info.port = defaultPort(u)
		}
		out[name] = info
	}
	return out
}

func defaultPort(u *url.URL) int {
	if p := u.Port(); p != "" {
		n, _ := strconv.Atoi(p)
		return n
	}
	if _, _, err := net.SplitHostPort(u.Host); err != nil && u.Scheme == "http" {
		return 80
	}
	return 443
}

// requestParams reads the GenAI request attributes and the Langfuse model
// parameters from the (redacted) request body.
func requestParams(r fields, stream bool) ([]attribute.KeyValue, string) {
	var attrs []attribute.KeyValue
	var params modelParams
	num := func(path, key, param string) {
		if v := r.Get(path); v.Type == gjson.Number {
			attrs = append(attrs, attribute.Float64(key, v.Float()))
			params.add(param, appendJSONFloat(nil, v.Float()))
		}
	}
	num("temperature", keyTemperature, "temperature")
	num("top_p", keyTopP, "top_p")
	num("top_k", keyTopK, "top_k")
	num("frequency_penalty", keyFrequencyPenalty, "frequency_penalty")
	num("presence_penalty", keyPresencePenalty, "presence_penalty")
	for _, p := range []string{"max_completion_tokens", "max_tokens", "max_output_tokens"} {
		if v := r.Get(p); v.Type == gjson.Number {
			attrs = append(attrs, attribute.Int64(keyMaxTokens, v.Int()))
			params.addInt(p, v.Int())
			break
		}
	}
	if v := r.Get("seed"); v.Type == gjson.Number {
		attrs = append(attrs, attribute.Int64(keySeed, v.Int()))
		params.addInt("seed", v.Int())
	}
	if v := r.Get("n"); v.Type == gjson.Number && v.Int() != 1 {
		attrs = append(attrs, attribute.Int64(keyChoiceCount, v.Int()))
		params.addInt("n", v.Int())
	}
	if stops := stringList(r.Get("stop")); len(stops) > 0 {
		attrs = append(attrs, attribute.StringSlice(keyStopSequences, stops))
		params.add("stop", jsonlit.AppendStrings(nil, stops))
	}
	if stream {
		attrs = append(attrs, attribute.Bool(keyStream, true))
		params.add("stream", []byte("true"))
	}
	attrs = append(attrs, formatParams(r, &params)...)
	return attrs, params.json()
}

// formatParams covers output type, service tier, tool choice and embeddings.
func formatParams(r fields, params *modelParams) []attribute.KeyValue {
	var attrs []attribute.KeyValue
	rf := r.Get("response_format.type").String()
	if rf == "" {
		rf = r.Get("text.format.type").String() // responses API
	}
	switch rf {
	case "json_object", "json_schema":
		attrs = append(attrs, attribute.String(keyOutputType, "json"))
		params.addString("response_format", rf)
	case "text":
		attrs = append(attrs, attribute.String(keyOutputType, "text"))
	}
	if v := r.Get("service_tier").String(); v != "" {
		attrs = append(attrs, attribute.String(keyOpenAIServiceTier, v))
		params.addString("service_tier", v)
	}
	if v := r.Get("tool_choice"); v.Exists() {
		if b, err := json.Marshal(v.Value()); err == nil {
			params.add("tool_choice", b)
		}
	}
	if v := r.Get("reasoning_effort").String(); v != "" {
		params.addString("reasoning_effort", v)
	}
	if v := r.Get("encoding_format").String(); v != "" {
		attrs = append(attrs, attribute.StringSlice(keyEncodingFormats, []string{v}))
		params.addString("encoding_format", v)
	}
	if v := r.Get("dimensions"); v.Type == gjson.Number {
		attrs = append(attrs, attribute.Int64(keyEmbeddingDims, v.Int()))
		params.addInt("dimensions", v.Int())
	}
	return attrs
}

func stringList(v gjson.Result) []string {
	switch {
	case v.Type == gjson.String:
		return []string{v.String()}
	case v.IsArray():
		var out []string
		v.ForEach(func(_, s gjson.Result) bool { out = append(out, s.String()); return true })
		return out
	}
	return nil
}

// traceAttrs are the trace-level attributes (Langfuse wants them on every
// span). User, session, tags and metadata come from the record, falling back
// to the request body (user / safety_identifier, metadata) and to the
// X-Fledgling-* headers read at Start. They are appended to attrs.
func traceAttrs(attrs []attribute.KeyValue, rec *capture.Record, body fields, hdr headerHints, env, release string) []attribute.KeyValue {
	user := firstNonEmpty(rec.User, hdr.user, body.Get("user").String(), body.Get("safety_identifier").String())
	session := firstNonEmpty(rec.Session, hdr.session, body.Get("metadata.session_id").String())
	name := rec.Route
	if name == "" {
		name = "fledgling " + string(rec.Kind)
	}
	attrs = append(attrs, attribute.String(keyLFTraceName, name), attribute.String(keyLFEnvironment, env),
		attribute.String(keyRoute, rec.Route), attribute.String(keyRequestID, rec.ID))
	if rec.UpstreamRequestID != "" {
		attrs = append(attrs, attribute.String(keyUpstreamRequestID, rec.UpstreamRequestID))
	}
	if release != "" {
		attrs = append(attrs, attribute.String(keyLFRelease, release))
	}
	if user != "" {
		attrs = append(attrs, attribute.String(keyLFUserID, user), attribute.String(keyUserID, user))
	}
	if session != "" {
		attrs = append(attrs, attribute.String(keyLFSessionID, session), attribute.String(keySessionID, session),
			attribute.String(keyConversationID, session))
	}
	if tags := mergeTags(rec.Tags, hdr.tags); len(tags) > 0 {
		attrs = append(attrs, attribute.StringSlice(keyLFTags, tags))
	}
	return appendMetadata(attrs, rec, body)
}

// appendMetadata appends the trace metadata attributes, sorted by key.
func appendMetadata(attrs []attribute.KeyValue, rec *capture.Record, body fields) []attribute.KeyValue {
	bodyMD := body.Get("metadata")
	if len(rec.Metadata) == 0 && !bodyMD.Exists() { // only Fledgling's own, already in key order
		attrs = appendNonEmpty(attrs, keyLFTraceMetadata+"key_id", rec.KeyID)
		return appendNonEmpty(attrs, keyLFTraceMetadata+"stage", rec.Stage)
	}
	md := map[string]string{}
	bodyMD.ForEach(func(k, v gjson.Result) bool {
		md[k.String()] = v.String()
		return true
	})
	for k, v := range rec.Metadata {
		md[k] = v
	}
	if rec.KeyID != "" {
		md["key_id"] = rec.KeyID
	}
	if rec.Stage != "" {
		md["stage"] = rec.Stage
	}
	keys := make([]string, 0, len(md))
	for k := range md {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		attrs = append(attrs, attribute.String(keyLFTraceMetadata+k, md[k]))
	}
	return attrs
}

func mergeTags(a, b []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, t := range append(append([]string(nil), a...), b...) {
		if t != "" && !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// jsonString is v as json.Marshal writes it ("{}" when it cannot); a
// string goes through jsonlit.AppendString, which writes the same bytes.
func jsonString(v any) string {
	if s, ok := v.(string); ok {
		return string(jsonlit.AppendString(make([]byte, 0, len(s)+2), s))
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "{}"
	}
	return string(b)
}
