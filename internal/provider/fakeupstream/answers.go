package fakeupstream

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/tidwall/gjson"
)

type toolCall struct{ id, name, args string }

// toolCallFor calls the first tool when tools are offered and no tool
// result is in the conversation yet (a round trip ends with text).
func toolCallFor(b gjson.Result) *toolCall {
	tools := b.Get("tools").Array()
	if len(tools) == 0 || b.Get("tool_choice").String() == "none" {
		return nil
	}
	done := false
	b.Get("messages").ForEach(func(_, m gjson.Result) bool {
		done = done || m.Get("role").String() == "tool"
		return !done
	})
	if done {
		return nil
	}
	fn := tools[0].Get("function")
	return &toolCall{id: "call_fake_1", name: fn.Get("name").String(), args: sample(fn.Get("parameters"))}
}

// sample builds a JSON value satisfying a (simple) JSON schema.
func sample(schema gjson.Result) string {
	switch schema.Get("type").String() {
	case "object":
		var parts []string
		schema.Get("properties").ForEach(func(k, v gjson.Result) bool {
			parts = append(parts, fmt.Sprintf("%q:%s", k.String(), sample(v)))
			return true
		})
		return "{" + strings.Join(parts, ",") + "}"
	case "array":
		return "[" + sample(schema.Get("items")) + "]"
	case "integer", "number":
		return "1"
	case "boolean":
		return "true"
	}
	if e := schema.Get("enum.0"); e.Exists() {
		return e.Raw
	}
	return `"Paris"`
}

func answerText(b gjson.Result, model string, f Fault) string {
	if f.Content != "" {
		return f.Content
	}
	if b.Get("response_format.type").String() == "json_schema" {
		return sample(b.Get("response_format.json_schema.schema"))
	}
	if b.Get("text.format.type").String() == "json_schema" {
		return sample(b.Get("text.format.schema"))
	}
	if b.Get("response_format.type").String() == "json_object" {
		return `{"answer":"Paris"}`
	}
	return "Hello from " + model + "! The capital of France is Paris."
}

func words(s string) []string {
	var out []string
	for len(s) > 0 {
		i := strings.IndexByte(s[1:], ' ')
		if i < 0 {
			return append(out, s)
		}
		out, s = append(out, s[:i+1]), s[i+1:]
	}
	return out
}

type usageT struct{ prompt, completion int }

func usageOf(body []byte, answer string) usageT {
	return usageT{prompt: len(body)/4 + 1, completion: len(words(answer)) + 1}
}

func (u usageT) chat() map[string]any {
	return map[string]any{"prompt_tokens": u.prompt, "completion_tokens": u.completion, "total_tokens": u.prompt + u.completion,
		"prompt_tokens_details":     map[string]any{"cached_tokens": 0, "audio_tokens": 0},
		"completion_tokens_details": map[string]any{"reasoning_tokens": 0, "audio_tokens": 0, "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}}
}

func (u usageT) responses() map[string]any {
	return map[string]any{"input_tokens": u.prompt, "output_tokens": u.completion, "total_tokens": u.prompt + u.completion,
		"input_tokens_details": map[string]any{"cached_tokens": 0}, "output_tokens_details": map[string]any{"reasoning_tokens": 0}}
}

func chat(w http.ResponseWriter, r *http.Request, req Request, f Fault) {
	b := gjson.ParseBytes(req.Body)
	id, created := fmt.Sprintf("chatcmpl-fake%d", time.Now().UnixNano()), time.Now().Unix()
	tc := toolCallFor(b)
	text := answerText(b, req.Model, f)
	u := usageOf(req.Body, text)
	if b.Get("stream").Bool() {
		writeEvents(w, r, f, chatChunks(b, req.Model, id, created, text, tc, u), true)
		return
	}
	msg := map[string]any{"role": "assistant", "content": text, "refusal": nil, "annotations": []any{}}
	finish := "stop"
	if tc != nil {
		msg["content"], finish = nil, "tool_calls"
		msg["tool_calls"] = []any{map[string]any{"id": tc.id, "type": "function", "function": map[string]any{"name": tc.name, "arguments": tc.args}}}
	}
	writeJSON(w, 200, map[string]any{"id": id, "object": "chat.completion", "created": created, "model": req.Model,
		"choices":      []any{map[string]any{"index": 0, "message": msg, "logprobs": nil, "finish_reason": finish}},
		"usage":        u.chat(),
		"service_tier": "default", "system_fingerprint": "fp_fake"})
}

func chatChunks(b gjson.Result, model, id string, created int64, text string, tc *toolCall, u usageT) []event {
	withUsage := b.Get("stream_options.include_usage").Bool()
	chunk := func(delta map[string]any, finish any) event {
		c := map[string]any{"id": id, "object": "chat.completion.chunk", "created": created, "model": model, "system_fingerprint": "fp_fake",
			"choices": []any{map[string]any{"index": 0, "delta": delta, "logprobs": nil, "finish_reason": finish}}}
		if withUsage {
			c["usage"] = nil
		}
		return jsonEvent("", c)
	}
	var evs []event
	if tc != nil {
		evs = append(evs, chunk(map[string]any{"role": "assistant", "content": nil, "tool_calls": []any{map[string]any{"index": 0, "id": tc.id, "type": "function", "function": map[string]any{"name": tc.name, "arguments": ""}}}}, nil))
		half := len(tc.args) / 2
		for _, part := range []string{tc.args[:half], tc.args[half:]} {
			evs = append(evs, chunk(map[string]any{"tool_calls": []any{map[string]any{"index": 0, "function": map[string]any{"arguments": part}}}}, nil))
		}
		evs = append(evs, chunk(map[string]any{}, "tool_calls"))
	} else {
		evs = append(evs, chunk(map[string]any{"role": "assistant", "content": "", "refusal": nil}, nil))
		for _, wd := range words(text) {
			evs = append(evs, chunk(map[string]any{"content": wd}, nil))
		}
		evs = append(evs, chunk(map[string]any{}, "stop"))
	}
	if withUsage {
		evs = append(evs, jsonEvent("", map[string]any{"id": id, "object": "chat.completion.chunk", "created": created, "model": model,
			"system_fingerprint": "fp_fake", "choices": []any{}, "usage": u.chat()}))
	}
	return evs
}

func completion(w http.ResponseWriter, r *http.Request, req Request, f Fault) {
	b := gjson.ParseBytes(req.Body)
	id, created := fmt.Sprintf("cmpl-fake%d", time.Now().UnixNano()), time.Now().Unix()
	text := answerText(b, req.Model, f)
	u := usageOf(req.Body, text)
	if !b.Get("stream").Bool() {
		writeJSON(w, 200, map[string]any{"id": id, "object": "text_completion", "created": created, "model": req.Model,
			"choices": []any{map[string]any{"text": text, "index": 0, "logprobs": nil, "finish_reason": "stop"}},
			"usage":   map[string]any{"prompt_tokens": u.prompt, "completion_tokens": u.completion, "total_tokens": u.prompt + u.completion}})
		return
	}
	var evs []event
	ws := words(text)
	for i, wd := range ws {
		var finish any
		if i == len(ws)-1 {
			finish = "stop"
		}
		evs = append(evs, jsonEvent("", map[string]any{"id": id, "object": "text_completion", "created": created, "model": req.Model,
			"choices": []any{map[string]any{"text": wd, "index": 0, "logprobs": nil, "finish_reason": finish}}}))
	}
	if b.Get("stream_options.include_usage").Bool() {
		evs = append(evs, jsonEvent("", map[string]any{"id": id, "object": "text_completion", "created": created, "model": req.Model,
			"choices": []any{}, "usage": map[string]any{"prompt_tokens": u.prompt, "completion_tokens": u.completion, "total_tokens": u.prompt + u.completion}}))
	}
	writeEvents(w, r, f, evs, true)
}

func embeddings(w http.ResponseWriter, req Request) {
	b := gjson.ParseBytes(req.Body)
	var inputs []string
	if in := b.Get("input"); in.IsArray() {
		in.ForEach(func(_, v gjson.Result) bool { inputs = append(inputs, v.Raw); return true })
	} else {
		inputs = []string{in.Raw}
	}
	dims := int(b.Get("dimensions").Int())
	if dims <= 0 {
		dims = 8
	}
	b64 := b.Get("encoding_format").String() == "base64"
	data := make([]any, len(inputs))
	for i, in := range inputs {
		vec := Vector(in, dims)
		var emb any = vec
		if b64 {
			emb = EncodeBase64(vec)
		}
		data[i] = map[string]any{"object": "embedding", "index": i, "embedding": emb}
	}
	toks := len(req.Body)/4 + 1
	writeJSON(w, 200, map[string]any{"object": "list", "data": data, "model": req.Model,
		"usage": map[string]any{"prompt_tokens": toks, "total_tokens": toks}})
}

// Vector is the deterministic embedding of an input.
func Vector(input string, dims int) []float32 {
	h := fnv.New32a()
	h.Write([]byte(input))
	seed := float64(h.Sum32() % 1000)
	v := make([]float32, dims)
	for j := range v {
		v[j] = float32(math.Sin(seed + float64(j)))
	}
	return v
}

// EncodeBase64 is OpenAI's base64 embedding: little-endian float32s.
func EncodeBase64(v []float32) string {
	buf := make([]byte, 4*len(v))
	for i, f := range v {
		binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(f))
	}
	return base64.StdEncoding.EncodeToString(buf)
}

func responses(w http.ResponseWriter, r *http.Request, req Request, f Fault) {
	b := gjson.ParseBytes(req.Body)
	id, created := fmt.Sprintf("resp_fake%d", time.Now().UnixNano()), time.Now().Unix()
	text := answerText(b, req.Model, f)
	u := usageOf(req.Body, text)
	msgItem := map[string]any{"id": "msg_fake", "type": "message", "status": "completed", "role": "assistant",
		"content": []any{map[string]any{"type": "output_text", "text": text, "annotations": []any{}}}}
	resp := func(status string, output []any, usage any) map[string]any {
		return map[string]any{"id": id, "object": "response", "created_at": created, "status": status, "model": req.Model,
			"output": output, "usage": usage, "error": nil, "incomplete_details": nil}
	}
	if !b.Get("stream").Bool() {
		writeJSON(w, 200, resp("completed", []any{msgItem}, u.responses()))
		return
	}
	seq := 0
	ev := func(typ string, fields map[string]any) event {
		fields["type"], fields["sequence_number"] = typ, seq
		seq++
		return jsonEvent(typ, fields)
	}
	evs := []event{ev("response.created", map[string]any{"response": resp("in_progress", []any{}, nil)})}
	for _, wd := range words(text) {
		evs = append(evs, ev("response.output_text.delta", map[string]any{"item_id": "msg_fake", "output_index": 0, "content_index": 0, "delta": wd}))
	}
	evs = append(evs, ev("response.output_text.done", map[string]any{"item_id": "msg_fake", "output_index": 0, "content_index": 0, "text": text}))
	evs = append(evs, ev("response.completed", map[string]any{"response": resp("completed", []any{msgItem}, u.responses())}))
	writeEvents(w, r, f, evs, false)
}

type event struct{ name, data string }

func jsonEvent(name string, v any) event {
	b, _ := json.Marshal(v)
	return event{name: name, data: string(b)}
}
