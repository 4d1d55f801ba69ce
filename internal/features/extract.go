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
	s := unsafe.String(unsafe.SliceData(body), len(body))
	e := newExtractor(v)
	if !e.fast(s) {
		clear(v)
		e = newExtractor(v)
		e.slow(s)
	}
	e.finish(len(body), taskKey)
}

// finish writes the task and body-length features and normalises the
// hashed blocks.
func (e *extractor) finish(bodyLen int, taskKey string) {
	task := fmix(e.sysHash) ^ fmix(e.toolHash+1) ^ fmix(e.formatHash+2)
	if taskKey != "" {
		task = fnvString(fnvOffset, taskKey)
	}
	e.v[TaskOff+int(fmix(task^seedTask)%TaskBuckets)] = 1
	e.v[DenseOff+DenseBodyLen] = logScale(bodyLen, 12)
	e.user.normalize()
	e.system.normalize()
	normalize(e.v[ToolOff : ToolOff+ToolBuckets])
}

func newExtractor(v []float32) *extractor {
	e := &extractor{v: v, sysHash: fnvOffset, toolHash: fnvOffset, formatHash: fnvOffset}
	e.user.v = v[UserOff : UserOff+TextBuckets]
	e.system.v = v[SystemOff : SystemOff+TextBuckets]
	return e
}

// slow reads the body with gjson: the reference reading, used for any body
// the one-pass walker (fast) does not take.
func (e *extractor) slow(body string) {
	// One pass over the top level: each Get would rescan the whole body.
	var tools, functions gjson.Result
	gjson.Parse(body).ForEach(func(k, val gjson.Result) bool {
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
			e.v[DenseOff+DenseHasToolChoice] = 1
		}
		return true
	})
	e.tools(tools, functions)
}

// extractor carries the per-request state of one ExtractInto call.
type extractor struct {
	v []float32
	// running hashes of the parts of the derived task key (kept apart so the
	// order of the body's fields does not matter)
	sysHash, toolHash, formatHash uint32
	// the two hashed text blocks, with the buckets each one touched
	user, system textBlock
	// sawSystem: a system message was hashed (the system-prompt cache
	// serves only the first, into the empty block)
	sawSystem bool
	// bad: the one-pass path met a syntax error inside a content array
	bad bool
}

// counts are the message counts and lengths of the dense block.
type counts struct{ n, assistant, tool, sysLen, userLen int }

func (e *extractor) messages(msgs gjson.Result) {
	var c counts
	var lastUser gjson.Result
	msgs.ForEach(func(_, m gjson.Result) bool {
		c.n++
		switch m.Get("role").Str {
		case "user":
			lastUser = m.Get("content")
		case "system", "developer":
			content := m.Get("content")
			c.sysLen += contentText(content, func(s string) { hashText(&e.system, s, seedSystem) })
			e.sysHash = fnvString(e.sysHash, content.Raw)
		case "assistant":
			c.assistant++
		case "tool", "function":
			c.tool++
		}
		return true
	})
	c.userLen = contentText(lastUser, func(s string) { hashText(&e.user, s, seedUser) })
	e.messageTotals(c)
}

func (e *extractor) messageTotals(c counts) {
	d := e.v[DenseOff:]
	d[DenseMessages] = logScale(c.n, 4)
	d[DenseUserLen] = logScale(c.userLen, 6)
	d[DenseUserLenBucket+lenBucket(c.userLen)] = 1
	d[DenseSystemLen] = logScale(c.sysLen, 10)
	d[DenseAssistantTurns] = logScale(c.assistant, 3)
	d[DenseToolTurns] = logScale(c.tool, 3)
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
	tools.ForEach(func(_, t gjson.Result) bool { count++; e.addTool(t.Get("function.name").Str); return true })
	functions.ForEach(func(_, f gjson.Result) bool { count++; e.addTool(f.Get("name").Str); return true })
	e.toolTotals(count)
}

func (e *extractor) addTool(name string) {
	nh := fnvString(fnvOffset, name)
	h := fmix(nh ^ seedTool)
	e.v[ToolOff+int(h%ToolBuckets)] += sign(h)
	e.toolHash += fmix(nh) // a sum: the order of the tools does not matter
}

func (e *extractor) toolTotals(count int) {
	d := e.v[DenseOff:]
	d[DenseTools] = logScale(count, 3)
	if count > 0 {
		d[DenseHasTools] = 1
	}
}

func (e *extractor) format(rf gjson.Result) {
	if rf.Exists() {
		e.addFormat(rf.Get("type").Str, rf.Get("json_schema.schema").Raw)
	}
}

// addFormat records a response_format of type typ (and its JSON schema).
func (e *extractor) addFormat(typ, schemaRaw string) {
	d := e.v[DenseOff:]
	d[DenseHasFormat] = 1
	switch typ {
	case "text":
		d[DenseFormatText] = 1
	case "json_object":
		d[DenseFormatJSON] = 1
	case "json_schema":
		d[DenseFormatSchema] = 1
	}
	e.formatHash = fnvString(e.formatHash, typ)
	e.formatHash = fnvString(e.formatHash, schemaRaw)
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
