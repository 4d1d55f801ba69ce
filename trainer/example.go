package trainer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"

	"github.com/fledgling-ai/fledgling/internal/capture"
)

// Example is one captured call turned into a training example.
type Example struct {
	// ItemID identifies the prompt (hash of its normalised text and tool
	// names): the unit of near-duplicate removal and of the frozen test set.
	ItemID string
	// ExactHash is the hash of the whole OpenAI line after redaction.
	ExactHash string
	TaskKey   string
	RecordID  string
	// OpenAI is one line of OpenAI chat fine-tuning JSONL.
	OpenAI []byte
	// Neutral is the chat-template-neutral form (see toNeutral).
	Neutral []byte
}

// errNotExample classifies records that cannot become an example.
type errNotExample struct{ reason string }

func (e errNotExample) Error() string { return "not an example: " + e.reason }

// newExample converts a successful chat capture. The request's messages,
// tools and parallel_tool_calls are kept byte for byte (after redaction of
// string values); "developer" messages become "system", which the
// fine-tuning format accepts; the answer is appended as the final assistant
// message with its tool calls.
func newExample(rec *capture.Record, red Redactor) (*Example, error) {
	req := gjson.ParseBytes(rec.Request)
	msgs := req.Get("messages")
	if !msgs.IsArray() || len(msgs.Array()) == 0 {
		return nil, errNotExample{"request has no messages"}
	}
	msgRaw, err := systemRoles(msgs)
	if err != nil {
		return nil, err
	}
	msgRaw = red.JSON(msgRaw)
	answer := red.JSON(rec.Response.AssistantJSON())
	line, err := openAILine(msgRaw, answer, req)
	if err != nil {
		return nil, err
	}
	neutral, err := toNeutral(line)
	if err != nil {
		return nil, err
	}
	return &Example{
		ItemID:    itemID(msgRaw, req),
		ExactHash: sha256Hex(line),
		TaskKey:   rec.TaskKey,
		RecordID:  rec.ID,
		OpenAI:    line,
		Neutral:   neutral,
	}, nil
}

func systemRoles(msgs gjson.Result) ([]byte, error) {
	raw := []byte(msgs.Raw)
	var err error
	for i, m := range msgs.Array() {
		if m.Get("role").String() == "developer" {
			if raw, err = sjson.SetBytes(raw, fmt.Sprintf("%d.role", i), "system"); err != nil {
				return nil, fmt.Errorf("rewrite developer role: %w", err)
			}
		}
	}
	return raw, nil
}

// openAILine assembles {"messages":[…, answer],"tools":…,"parallel_tool_calls":…}
// on one line, keeping every input byte's meaning and key order.
func openAILine(msgRaw, answer []byte, req gjson.Result) ([]byte, error) {
	trimmed := bytes.TrimSpace(msgRaw)
	var b bytes.Buffer
	b.WriteString(`{"messages":`)
	b.Write(trimmed[:len(trimmed)-1])
	b.WriteByte(',')
	b.Write(answer)
	b.WriteByte(']')
	if t := req.Get("tools"); t.IsArray() && len(t.Array()) > 0 {
		b.WriteString(`,"tools":`)
		b.WriteString(t.Raw)
	}
	if p := req.Get("parallel_tool_calls"); p.Exists() {
		b.WriteString(`,"parallel_tool_calls":`)
		b.WriteString(p.Raw)
	}
	b.WriteByte('}')
	var out bytes.Buffer
	if err := json.Compact(&out, b.Bytes()); err != nil {
		return nil, fmt.Errorf("assemble example: %w", err)
	}
	return out.Bytes(), nil
}

// itemID hashes the normalised prompt: every message's text, every tool
// call in it, and the offered tool names.
func itemID(msgRaw []byte, req gjson.Result) string {
	var sb strings.Builder
	gjson.ParseBytes(msgRaw).ForEach(func(_, m gjson.Result) bool {
		sb.WriteString(m.Get("role").String() + ": " + messageText(m) + "\n")
		return true
	})
	req.Get("tools.#.function.name").ForEach(func(_, n gjson.Result) bool {
		sb.WriteString("tool " + n.String() + "\n")
		return true
	})
	return sha256Hex([]byte(normalize(sb.String())))[:32]
}

// messageText is a message's content (string or text parts) and tool calls.
func messageText(m gjson.Result) string {
	var sb strings.Builder
	c := m.Get("content")
	if c.IsArray() {
		c.ForEach(func(_, p gjson.Result) bool {
			sb.WriteString(p.Get("text").String() + " ")
			return true
		})
	} else {
		sb.WriteString(c.String())
	}
	m.Get("tool_calls").ForEach(func(_, tc gjson.Result) bool {
		sb.WriteString(" " + tc.Get("function.name").String() + " " + tc.Get("function.arguments").String())
		return true
	})
	return sb.String()
}
