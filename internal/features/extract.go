package features

import (
	"math"
	"unsafe"

	"github.com/tidwall/gjson"
)

// ExtractInto fills dst (len ≥ Dim; only dst[:Dim] is written) with the
// features of body. It allocates only when gjson must unescape a string.
func ExtractInto(dst []float32, body []byte, taskKey string) {
	v := dst[:Dim]
	clear(v)
	if len(body) == 0 {
		return
	}
	// The body is not modified while we read it, so a zero-copy view is safe.
	root := gjson.Parse(unsafe.String(unsafe.SliceData(body), len(body)))
	e := extractor{v: v, sysHash: fnvOffset, toolHash: fnvOffset, formatHash: fnvOffset}
	e.user.v = v[UserOff : UserOff+TextBuckets]
	e.system.v = v[SystemOff : SystemOff+TextBuckets]
	// One pass over the top level: each Get would rescan the whole body.
	var tools, functions gjson.Result
	root.ForEach(func(k, val gjson.Result) bool {
		switch k.Str {
		case "messages":
			e.messages(val)
		case "tools":
			tools = val
		case "functions":
			functions = val
		case "response_format":
			e.format(val)
		case "tool_choice":
			v[DenseOff+DenseHasToolChoice] = 1
		}
		return true
	})
	e.tools(tools, functions)
	task := fmix(e.sysHash) ^ fmix(e.toolHash+1) ^ fmix(e.formatHash+2)
	if taskKey != "" {
		task = fnvString(fnvOffset, taskKey)
	}
	v[TaskOff+int(fmix(task^seedTask)%TaskBuckets)] = 1
	v[DenseOff+DenseBodyLen] = logScale(len(body), 12)
	e.user.normalize()
	e.system.normalize()
	normalize(v[ToolOff : ToolOff+ToolBuckets])
}

// extractor carries the per-request state of one ExtractInto call.
type extractor struct {
	v []float32
	// running hashes of the parts of the derived task key (kept apart so the
	// order of the body's fields does not matter)
	sysHash, toolHash, formatHash uint32
	// the two hashed text blocks, with the buckets each one touched
	user, system textBlock
}

func (e *extractor) messages(msgs gjson.Result) {
	var n, assistant, tool, sysLen int
	var lastUser gjson.Result
	msgs.ForEach(func(_, m gjson.Result) bool {
		n++
		switch m.Get("role").Str {
		case "user":
			lastUser = m.Get("content")
		case "system", "developer":
			c := m.Get("content")
			sysLen += contentText(c, func(s string) { hashText(&e.system, s, seedSystem) })
			e.sysHash = fnvString(e.sysHash, c.Raw)
		case "assistant":
			assistant++
		case "tool", "function":
			tool++
		}
		return true
	})
	userLen := contentText(lastUser, func(s string) { hashText(&e.user, s, seedUser) })
	d := e.v[DenseOff:]
	d[DenseMessages] = logScale(n, 4)
	d[DenseUserLen] = logScale(userLen, 6)
	d[DenseUserLenBucket+lenBucket(userLen)] = 1
	d[DenseSystemLen] = logScale(sysLen, 10)
	d[DenseAssistantTurns] = logScale(assistant, 3)
	d[DenseToolTurns] = logScale(tool, 3)
}

// contentText calls f with each text of a message content (a string or an
// array of parts) and returns the total text length.
func contentText(c gjson.Result, f func(string)) int {
	if c.Type == gjson.String {
		f(c.Str)
		return len(c.Str)
	}
	total := 0
	if c.IsArray() {
		c.ForEach(func(_, part gjson.Result) bool {
			if t := part.Get("text"); t.Type == gjson.String {
				f(t.Str)
				total += len(t.Str)
			}
			return true
		})
	}
	return total
}

func (e *extractor) tools(tools, functions gjson.Result) {
	count := 0
	add := func(name string) {
		count++
		nh := fnvString(fnvOffset, name)
		h := fmix(nh ^ seedTool)
		e.v[ToolOff+int(h%ToolBuckets)] += sign(h)
		e.toolHash += fmix(nh) // a sum: the order of the tools does not matter
	}
	tools.ForEach(func(_, t gjson.Result) bool { add(t.Get("function.name").Str); return true })
	functions.ForEach(func(_, f gjson.Result) bool { add(f.Get("name").Str); return true })
	d := e.v[DenseOff:]
	d[DenseTools] = logScale(count, 3)
	if count > 0 {
		d[DenseHasTools] = 1
	}
}

func (e *extractor) format(rf gjson.Result) {
	if !rf.Exists() {
		return
	}
	d := e.v[DenseOff:]
	d[DenseHasFormat] = 1
	typ := rf.Get("type").Str
	switch typ {
	case "text":
		d[DenseFormatText] = 1
	case "json_object":
		d[DenseFormatJSON] = 1
	case "json_schema":
		d[DenseFormatSchema] = 1
	}
	e.formatHash = fnvString(e.formatHash, typ)
	e.formatHash = fnvString(e.formatHash, rf.Get("json_schema.schema").Raw)
}

// lenBucket is the index of n's power-of-two bucket: < 32 is 0, < 64 is 1, …
func lenBucket(n int) int {
	b := 0
	for limit := 32; n >= limit && b < UserLenBuckets-1; limit *= 2 {
		b++
	}
	return b
}

// logScale is log1p(n)/div, a length squashed into roughly [0, 1].
func logScale(n int, div float64) float32 { return float32(math.Log1p(float64(n)) / div) }
