package gateway

import (
	"strings"

	"github.com/tidwall/gjson"

	"github.com/fledgling-ai/fledgling/internal/capture"
)

// requestInfo is the little the gateway reads from a request body; the body
// itself is forwarded as raw bytes.
type requestInfo struct {
	Model        string
	Stream       bool
	IncludeUsage bool // the client asked for the usage chunk itself
	User         string
	Metadata     map[string]string
	Tags         []string // metadata.tags
	Session      string   // metadata.session_id
}

// DecodeRequest validates a request body of kind and reads what routing,
// capture and streaming need. Errors are OpenAI invalid_request_errors.
func DecodeRequest(kind capture.Kind, body []byte) (requestInfo, error) {
	var info requestInfo
	if !gjson.ValidBytes(body) {
		return info, badRequest("", "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload.)")
	}
	r := gjson.ParseBytes(body)
	if !r.IsObject() {
		return info, badRequest("", "The request body must be a JSON object.")
	}
	m := r.Get("model")
	if m.Type != gjson.String || m.String() == "" {
		return info, badRequest("model", "you must provide a model parameter")
	}
	info.Model = m.String()
	if err := requireField(kind, r); err != nil {
		return info, err
	}
	if s := r.Get("stream"); s.Exists() && s.Type != gjson.True && s.Type != gjson.False && s.Type != gjson.Null {
		return info, badRequest("stream", "'stream' must be a boolean")
	}
	info.Stream = r.Get("stream").Bool()
	info.IncludeUsage = r.Get("stream_options.include_usage").Bool()
	info.User = r.Get("user").String()
	readMetadata(&info, r.Get("metadata"))
	return info, nil
}

func requireField(kind capture.Kind, r gjson.Result) error {
	switch kind {
	case capture.KindChat:
		if msgs := r.Get("messages"); !msgs.IsArray() || len(msgs.Array()) == 0 {
			return badRequest("messages", "'messages' must be a non-empty array")
		}
	case capture.KindCompletion:
		if !r.Get("prompt").Exists() {
			return badRequest("prompt", "you must provide a prompt parameter")
		}
	case capture.KindEmbedding:
		if !r.Get("input").Exists() {
			return badRequest("input", "you must provide an input parameter")
		}
	}
	return nil
}

func readMetadata(info *requestInfo, md gjson.Result) {
	if !md.IsObject() {
		return
	}
	md.ForEach(func(k, v gjson.Result) bool {
		if v.Type == gjson.String {
			if info.Metadata == nil {
				info.Metadata = map[string]string{}
			}
			info.Metadata[k.String()] = v.String()
		}
		return true
	})
	info.Session = md.Get("session_id").String()
	tags := md.Get("tags")
	if tags.IsArray() {
		tags.ForEach(func(_, t gjson.Result) bool {
			info.Tags = appendTags(info.Tags, t.String())
			return true
		})
	} else {
		info.Tags = appendTags(info.Tags, tags.String())
	}
}

// appendTags adds comma-separated tags, trimmed, skipping empties.
func appendTags(tags []string, csv string) []string {
	for _, t := range strings.Split(csv, ",") {
		if t = strings.TrimSpace(t); t != "" {
			tags = append(tags, t)
		}
	}
	return tags
}
