package features

// fast is the one-pass path of ExtractInto over a request body that is a
// JSON object. It reads the same fields as the gjson path (slow) with the
// same first-occurrence rules and returns false, having maybe written part
// of the vector, on anything whose gjson reading is not plain: a syntax
// error, messages, tools or functions that are not arrays, or a key it
// reads given twice in one object (tools, functions, role, content, …).
func (e *extractor) fast(body string) bool {
	w := walker{s: body, ok: true}
	if w.peek() != '{' {
		return false
	}
	var seenTools, seenFunctions bool
	toolCount := 0
	w.object(func(key string) bool {
		switch key {
		case "messages":
			e.fastMessages(&w)
		case "tools", "functions":
			seen := &seenTools
			if key == "functions" {
				seen = &seenFunctions
			}
			if *seen {
				return w.fail()
			}
			*seen = true
			toolCount += e.fastTools(&w, key == "tools")
		case "response_format":
			e.fastFormat(&w)
		case "tool_choice":
			e.v[DenseOff+DenseHasToolChoice] = 1
			w.skip()
		default:
			w.skip()
		}
		return w.ok
	})
	if w.ws(); !w.ok || e.bad || w.i < len(w.s) { // gjson reads on past the closing brace
		return false
	}
	e.toolTotals(toolCount)
	return true
}

// message is what the features read of one message: its first role and
// first content.
type message struct{ role, content value }

func (w *walker) message() message {
	var m message
	if w.peek() != '{' {
		w.skip()
		return m
	}
	w.object(func(k string) bool {
		switch k {
		case "role":
			once(w, &m.role)
		case "content":
			once(w, &m.content)
		default:
			w.skip()
		}
		return w.ok
	})
	return m
}

// once reads a member's value into dst; a second member of the same name
// fails the walk (see firstDo).
func once(w *walker, dst *value) {
	if dst.kind != 0 {
		w.fail()
		return
	}
	*dst = w.read()
}

func (e *extractor) fastMessages(w *walker) {
	if w.peek() != '[' {
		w.fail()
		return
	}
	var c counts
	var lastUser value
	w.array(func() bool {
		c.n++
		m := w.message()
		switch m.role.str {
		case "user":
			lastUser = m.content
		case "system", "developer":
			e.sysHash = fnvString(e.sysHash, m.content.raw)
			if !e.sawSystem { // the body's first: the block is still empty
				e.sawSystem = true
				c.sysLen += e.systemFirst(m.content, e.sysHash)
			} else {
				c.sysLen += e.fastContent(m.content, &e.system, seedSystem)
			}
		case "assistant":
			c.assistant++
		case "tool", "function":
			c.tool++
		}
		return w.ok
	})
	if w.ok {
		c.userLen = e.fastContent(lastUser, &e.user, seedUser)
		e.messageTotals(c)
	}
}

// fastContent hashes a message content (a string, or an array of parts with
// a "text" string) into block and returns the text length.
func (e *extractor) fastContent(c value, block *textBlock, seed uint32) int {
	switch c.kind {
	case '"':
		hashText(block, c.str, seed)
		return len(c.str)
	case '[':
		total := 0
		w := walker{s: c.raw, ok: true}
		w.array(func() bool {
			if t := w.first("text"); t.kind == '"' {
				hashText(block, t.str, seed)
				total += len(t.str)
			}
			return w.ok
		})
		// The array was only squashed when read: a syntax error inside it
		// shows now, and gjson's lenient reading must decide.
		e.bad = e.bad || !w.ok
		return total
	}
	return 0
}

// fastTools adds the names of a tools (nested "function.name") or functions
// ("name") array and returns how many entries it has.
func (e *extractor) fastTools(w *walker, nested bool) int {
	if w.peek() != '[' {
		w.fail()
		return 0
	}
	n := 0
	w.array(func() bool {
		n++
		var name value
		if nested {
			w.firstDo("function", func() { name = w.first("name") })
		} else {
			name = w.first("name")
		}
		e.addTool(name.str)
		return w.ok
	})
	return n
}

func (e *extractor) fastFormat(w *walker) {
	var typ, schema value
	var seenSchema bool
	w.firstEach(func(k string) bool {
		switch k {
		case "type":
			once(w, &typ)
		case "json_schema":
			if seenSchema {
				return w.fail()
			}
			seenSchema = true
			w.firstDo("schema", func() { schema = w.read() })
		default:
			w.skip()
		}
		return w.ok
	})
	e.addFormat(typ.str, schema.raw)
}
