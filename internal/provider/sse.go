package provider

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"
)

// Event is one server-sent event as it arrived.
type Event struct {
	// Raw is the event's bytes exactly as received, including the blank line
	// that ended it. It is valid until the next call to Next.
	Raw []byte
	// Data is the event's data lines joined by "\n" (nil for an event of
	// comments only, such as a keep-alive).
	Data []byte
	// Name is the "event:" field, if any.
	Name string
}

// Done reports the chat/completions end-of-stream sentinel "data: [DONE]".
func (e Event) Done() bool { return string(e.Data) == "[DONE]" }

// MaxEventBytes bounds one event; a larger one is a malformed stream.
const MaxEventBytes = 16 << 20

// ErrEventTooLarge is returned for an event over MaxEventBytes.
var ErrEventTooLarge = errors.New("sse event too large")

// SSEReader splits a text/event-stream into events without buffering more
// than one event, so each can be relayed as soon as it is complete.
type SSEReader struct {
	br   *bufio.Reader
	raw  []byte
	data []byte
}

// readers recycles the read buffers of finished streams (16 KiB each).
var readers = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 16<<10) }}

// NewSSEReader reads events from r.
func NewSSEReader(r io.Reader) *SSEReader {
	br := readers.Get().(*bufio.Reader)
	br.Reset(r)
	return &SSEReader{br: br}
}

// Release hands the read buffer back for reuse once the stream is done;
// events already returned stay valid, but s must not be read again.
func (s *SSEReader) Release() {
	if s.br != nil {
		s.br.Reset(nil)
		readers.Put(s.br)
		s.br = nil
	}
}

// Next returns the next complete event. It returns io.EOF at a clean end and
// io.ErrUnexpectedEOF when the stream ended inside an event; any other read
// error is returned as it is.
func (s *SSEReader) Next() (Event, error) {
	s.raw, s.data = s.raw[:0], s.data[:0]
	var ev Event
	nData := 0
	var single []byte
	for {
		line, err := s.readLine()
		if err != nil {
			if err == io.EOF && hasContent(s.raw) {
				return Event{}, io.ErrUnexpectedEOF
			}
			return Event{}, err
		}
		start := len(s.raw)
		s.raw = append(s.raw, line...)
		content := trimEOL(s.raw[start:])
		if len(content) == 0 {
			if start == 0 {
				s.raw = s.raw[:0] // stray blank line between events
				continue
			}
			ev.Raw = s.raw
			ev.Data = s.joined(nData, single)
			return ev, nil
		}
		field, value := splitField(content)
		switch string(field) {
		case "data":
			nData++
			if nData == 1 {
				single = value
			} else {
				if nData == 2 {
					s.data = append(s.data[:0], single...)
				}
				s.data = append(append(s.data, '\n'), value...)
			}
		case "event":
			ev.Name = string(value)
		}
	}
}

// EventReady reports whether a whole event has already arrived and sits in
// the read buffer, so Next will return it without waiting on the network.
// A relay flushes only when it is false: events that arrived together leave
// together, and none waits behind a read.
func (s *SSEReader) EventReady() bool {
	if s.br == nil || s.br.Buffered() == 0 {
		return false
	}
	b, _ := s.br.Peek(s.br.Buffered())
	b = bytes.TrimLeft(b, "\r\n") // stray blank lines end no event
	return bytes.Contains(b, []byte("\n\n")) || bytes.Contains(b, []byte("\n\r\n"))
}

func (s *SSEReader) joined(n int, single []byte) []byte {
	switch n {
	case 0:
		return nil
	case 1:
		return single
	}
	return s.data
}

func (s *SSEReader) readLine() ([]byte, error) {
	line, err := s.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		buf := append([]byte(nil), line...)
		for err == bufio.ErrBufferFull {
			if len(buf)+len(s.raw) > MaxEventBytes {
				return nil, ErrEventTooLarge
			}
			line, err = s.br.ReadSlice('\n')
			buf = append(buf, line...)
		}
		line = buf
	}
	if len(s.raw)+len(line) > MaxEventBytes {
		return nil, ErrEventTooLarge
	}
	if err == io.EOF && len(line) > 0 {
		// A final line without its newline still counts; the event is
		// unterminated, which Next reports.
		s.raw = append(s.raw, line...)
		return nil, io.EOF
	}
	return line, err
}

func trimEOL(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte("\n"))
	return bytes.TrimSuffix(b, []byte("\r"))
}

// hasContent reports whether raw holds any line but blanks and comments.
func hasContent(raw []byte) bool {
	for _, line := range bytes.Split(raw, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) > 0 && line[0] != ':' {
			return true
		}
	}
	return false
}

// splitField parses "field: value" (one optional space after the colon).
// A line starting with ':' is a comment, returned with an empty field.
func splitField(line []byte) (field, value []byte) {
	i := bytes.IndexByte(line, ':')
	if i < 0 {
		return line, nil
	}
	value = line[i+1:]
	if len(value) > 0 && value[0] == ' ' {
		value = value[1:]
	}
	return line[:i], value
}

// FormatErrorEvent renders an in-band error event in OpenAI's envelope,
// which the official SDKs raise as an error.
func FormatErrorEvent(envelope []byte) []byte {
	return []byte(fmt.Sprintf("data: %s\n\n", envelope))
}
