package provider

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func readAll(t *testing.T, r io.Reader) ([]Event, error) {
	t.Helper()
	s := NewSSEReader(r)
	var evs []Event
	for {
		ev, err := s.Next()
		if err != nil {
			return evs, err
		}
		ev.Raw = append([]byte(nil), ev.Raw...)
		ev.Data = append([]byte(nil), ev.Data...)
		evs = append(evs, ev)
	}
}

func TestSSEReaderSplitsEventsKeepingRawBytes(t *testing.T) {
	in := "data: {\"a\":1}\n\n: keep-alive\n\nevent: response.created\ndata: {\"b\":2}\n\ndata: line1\r\ndata: line2\r\n\r\n\nid: 7\n\ndata: [DONE]\n\n"
	// One byte at a time: events must not depend on read boundaries.
	evs, err := readAll(t, iotest.OneByteReader(strings.NewReader(in)))
	if err != io.EOF {
		t.Fatalf("err %v", err)
	}
	var raw bytes.Buffer
	for _, e := range evs {
		raw.Write(e.Raw)
	}
	if raw.String() != strings.Replace(in, "\r\n\r\n\n", "\r\n\r\n", 1) {
		t.Fatalf("raw bytes changed:\n%q", raw.String())
	}
	want := []struct{ name, data string }{{"", `{"a":1}`}, {"", ""}, {"response.created", `{"b":2}`}, {"", "line1\nline2"}, {"", ""}, {"", "[DONE]"}}
	if len(evs) != len(want) {
		t.Fatalf("%d events: %q", len(evs), evs)
	}
	for i, w := range want {
		if evs[i].Name != w.name || string(evs[i].Data) != w.data {
			t.Fatalf("event %d = %q %q, want %q %q", i, evs[i].Name, evs[i].Data, w.name, w.data)
		}
	}
	if evs[1].Data != nil && len(evs[1].Data) != 0 || !evs[5].Done() {
		t.Fatal("comment event has data or [DONE] not detected")
	}
}

func TestSSEReaderReportsAnUnterminatedEvent(t *testing.T) {
	for _, in := range []string{"data: {\"a\":1}\n\ndata: {\"b\"", "data: {\"a\":1}\n\ndata: {\"b\":2}\n"} {
		evs, err := readAll(t, strings.NewReader(in))
		if len(evs) != 1 || !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("%q: %d events, err %v", in, len(evs), err)
		}
	}
	if _, err := readAll(t, strings.NewReader("data: x\n\n: trailing comment\n")); err != io.EOF {
		t.Fatalf("a trailing comment is a clean end, got %v", err)
	}
}

func TestSSEReaderBoundsEventSize(t *testing.T) {
	big := "data: " + strings.Repeat("x", MaxEventBytes+10) + "\n\n"
	if _, err := readAll(t, strings.NewReader(big)); !errors.Is(err, ErrEventTooLarge) {
		t.Fatalf("err %v", err)
	}
}

// FuzzSSEReader: any byte stream splits into events whose raw bytes
// concatenate back to the input (minus stray blank lines), or an error.
func FuzzSSEReader(f *testing.F) {
	for _, s := range []string{"data: {}\n\n", "data: a\r\ndata: b\r\n\r\n", ": c\n\n", "event: x\ndata: y\n\ndata: [DONE]\n\n", "data", "\n\n\n", "data: x\r\r\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		s := NewSSEReader(bytes.NewReader(in))
		total := 0
		for i := 0; ; i++ {
			ev, err := s.Next()
			if err != nil {
				break
			}
			if len(ev.Raw) == 0 || !bytes.HasSuffix(ev.Raw, []byte("\n")) {
				t.Fatalf("event %d has raw %q", i, ev.Raw)
			}
			total += len(ev.Raw)
			if total > len(in) {
				t.Fatalf("raw bytes exceed the input")
			}
		}
	})
}

// chunkReader returns one chunk per Read, as separate network reads would.
type chunkReader struct{ chunks []string }

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.chunks) == 0 {
		return 0, io.EOF
	}
	n := copy(p, c.chunks[0])
	c.chunks = c.chunks[1:]
	return n, nil
}

func TestSSEReaderEventReadyOnlyForAWholeBufferedEvent(t *testing.T) {
	s := NewSSEReader(&chunkReader{chunks: []string{"data: 1\n\ndata: 2\r\n\r\n\n\ndata: 3", "\n\n"}})
	defer s.Release()
	if s.EventReady() {
		t.Fatal("nothing read yet, but an event is ready")
	}
	var ready []bool
	for {
		ev, err := s.Next()
		if err != nil {
			break
		}
		ready = append(ready, s.EventReady())
		_ = ev
	}
	// After 1: event 2 is whole in the buffer. After 2: only stray blank
	// lines and half of 3 arrived, so a relay must flush before waiting.
	// After 3: nothing.
	if want := []bool{true, false, false}; fmt.Sprint(ready) != fmt.Sprint(want) {
		t.Fatalf("EventReady after each event = %v, want %v", ready, want)
	}
}
