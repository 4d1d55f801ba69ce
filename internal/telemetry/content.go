package telemetry

import (
	"encoding/json"

	"github.com/tidwall/gjson"

	"github.com/fledgling-ai/fledgling/internal/capture"
)

// content is a call's prompt and completion rendered for both audiences:
// Langfuse's observation input/output and the GenAI semconv message schema.
type content struct {
	lfInput, lfOutput string
	inputMessages     string // gen_ai.input.messages
	outputMessages    string // gen_ai.output.messages
	system            string // gen_ai.system_instructions
	tools             string // gen_ai.tool.definitions
}

// buildContent renders what the destinations want: lf for Langfuse, sem
// for a generic backend.
func buildContent(rec *capture.Record, body fields, max int, lf, sem bool) content {
	var c content
	if !lf && !sem {
		return c
	}
	switch rec.Kind {
	case capture.KindEmbedding:
		c.lfInput = body.Get("input").Raw // never the vectors: no output
	case capture.KindCompletion:
		c.lfInput = body.Get("prompt").Raw
		c.lfOutput = jsonString(rec.Response.Content)
	case capture.KindResponses:
		c.lfInput = responsesInput(body)
		c.lfOutput = string(rec.Response.AssistantJSON())
	default:
		c.lfInput = chatInput(body)
		c.lfOutput = string(rec.Response.AssistantJSON())
		if sem {
			c.inputMessages, c.system = semconvInput(body.Get("messages"))
			c.tools = body.Get("tools").Raw
		}
	}
	hasAnswer := rec.Response.Content != "" || len(rec.Response.ToolCalls) > 0
	if rec.Kind != capture.KindEmbedding && !hasAnswer {
		c.lfOutput = ""
	}
	if sem && rec.Kind != capture.KindEmbedding && hasAnswer {
		c.outputMessages = semconvOutput(rec)
	}
	if !lf {
		c.lfInput, c.lfOutput = "", ""
	}
	for _, s := range []*string{&c.lfInput, &c.lfOutput, &c.inputMessages, &c.outputMessages, &c.system, &c.tools} {
		*s = truncateJSON(*s, max)
	}
	return c
}

// chatInput is the messages array, wrapped with the tools when there are any.
func chatInput(body fields) string {
	msgs := body.Get("messages").Raw
	if tools := body.Get("tools"); tools.Exists() {
		return `{"messages":` + orNull(msgs) + `,"tools":` + tools.Raw + `}`
	}
	return msgs
}

func responsesInput(body fields) string {
	if ins := body.Get("instructions"); ins.Exists() {
		return `{"instructions":` + ins.Raw + `,"input":` + orNull(body.Get("input").Raw) + `}`
	}
	return body.Get("input").Raw
}

func orNull(raw string) string {
	if raw == "" {
		return "null"
	}
	return raw
}

type part struct {
	Type      string          `json:"type"`
	Content   string          `json:"content,omitempty"`
	ID        string          `json:"id,omitempty"`
	Name      string          `json:"name,omitempty"`
	Arguments json.RawMessage `json:"arguments,omitempty"`
	Result    string          `json:"result,omitempty"`
}

type message struct {
	Role         string `json:"role"`
	Parts        []part `json:"parts"`
	FinishReason string `json:"finish_reason,omitempty"`
}

// semconvInput converts OpenAI chat messages to gen_ai.input.messages, with
// system/developer messages split out as gen_ai.system_instructions.
func semconvInput(msgs gjson.Result) (input, system string) {
	var out []message
	var sys []part
	msgs.ForEach(func(_, m gjson.Result) bool {
		role := m.Get("role").String()
		parts := textParts(m.Get("content"))
		switch role {
		case "system", "developer":
			sys = append(sys, parts...)
			return true
		case "tool":
			parts = []part{{Type: "tool_call_response", ID: m.Get("tool_call_id").String(), Result: m.Get("content").String()}}
		}
		m.Get("tool_calls").ForEach(func(_, tc gjson.Result) bool {
			parts = append(parts, toolCallPart(tc.Get("id").String(), tc.Get("function.name").String(), tc.Get("function.arguments").String()))
			return true
		})
		out = append(out, message{Role: role, Parts: nonNil(parts)})
		return true
	})
	if len(out) > 0 {
		input = jsonString(out)
	}
	if len(sys) > 0 {
		system = jsonString(sys)
	}
	return input, system
}

func textParts(c gjson.Result) []part {
	if c.Type == gjson.String {
		return []part{{Type: "text", Content: c.String()}}
	}
	var parts []part
	c.ForEach(func(_, p gjson.Result) bool {
		if t := p.Get("text"); t.Exists() {
			parts = append(parts, part{Type: "text", Content: t.String()})
		}
		return true
	})
	return parts
}

// toolCallPart keeps arguments as JSON when they parse, else as a string.
func toolCallPart(id, name, args string) part {
	raw := json.RawMessage(args)
	if !json.Valid(raw) {
		raw, _ = json.Marshal(args)
	}
	return part{Type: "tool_call", ID: id, Name: name, Arguments: raw}
}

func semconvOutput(rec *capture.Record) string {
	var parts []part
	if rec.Response.Content != "" {
		parts = append(parts, part{Type: "text", Content: rec.Response.Content})
	}
	for _, tc := range rec.Response.ToolCalls {
		parts = append(parts, toolCallPart(tc.ID, tc.Name, tc.Arguments))
	}
	return jsonString([]message{{Role: "assistant", Parts: nonNil(parts), FinishReason: rec.Response.FinishReason}})
}

func nonNil(p []part) []part {
	if p == nil {
		return []part{}
	}
	return p
}
