package trainer

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"
)

// toNeutral renders an OpenAI line in the chat-template-neutral form that
// open-model trainers (TRL's SFTTrainer, Unsloth) read and render with the
// base model's own chat template:
//
//	{"prompt":[messages before the answer], "completion":[the answer], "tools":[…]}
//
// This is TRL's "conversational prompt-completion" format: roles stay plain
// (system, user, assistant, tool), and each tool call's arguments are a JSON
// object rather than a string, as Hugging Face chat templates expect.
func toNeutral(line []byte) ([]byte, error) {
	r := gjson.ParseBytes(line)
	msgs := r.Get("messages").Array()
	prompt, err := neutralMessages(msgs[:len(msgs)-1])
	if err != nil {
		return nil, err
	}
	completion, err := neutralMessages(msgs[len(msgs)-1:])
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString(`{"prompt":` + prompt + `,"completion":` + completion)
	if t := r.Get("tools"); t.Exists() {
		b.WriteString(`,"tools":` + t.Raw)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func neutralMessages(msgs []gjson.Result) (string, error) {
	out := "[]"
	for i, m := range msgs {
		raw := m.Raw
		var err error
		for j, tc := range m.Get("tool_calls").Array() {
			args := tc.Get("function.arguments").String()
			if !json.Valid([]byte(args)) {
				return "", fmt.Errorf("tool call %d of message %d: arguments are not JSON", j, i)
			}
			if raw, err = sjson.SetRaw(raw, fmt.Sprintf("tool_calls.%d.function.arguments", j), args); err != nil {
				return "", err
			}
		}
		if out, err = sjson.SetRaw(out, "-1", raw); err != nil {
			return "", err
		}
	}
	return out, nil
}
