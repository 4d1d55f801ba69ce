// Package fakeupstream is an OpenAI-compatible upstream for tests and
// benchmarks. It speaks the exact wire format the official SDKs expect —
// chat completions (with streamed tool calls and the include_usage chunk),
// legacy completions, embeddings (float and base64), the Responses API and
// model listing — and can misbehave on request in every way the gateway
// must survive: error statuses with retry-after, silence before headers,
// slow first tokens, stalls, cuts and malformed events.
package fakeupstream

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tidwall/gjson"
)

// Fault is how one request misbehaves. The zero Fault answers normally.
type Fault struct {
	Status int               // answer this status with Body (an OpenAI error envelope when empty)
	Body   string            // raw body for Status
	Code   string            // error.code for the generated envelope
	Header map[string]string // extra response headers
	Delay  time.Duration     // wait before sending headers
	// Streams:
	FirstTokenDelay time.Duration // wait after headers before the first event
	CutAfter        int           // close the connection after this many events (0: never)
	StallAfter      int           // stop sending (but keep open) after this many events
	MalformedAfter  int           // send a non-JSON event after this many events
	ErrorAfter      int           // send an in-band error event after this many events
	NoDone          bool          // end without data: [DONE]
	// Before the first event (after 200 headers): drop the connection, send
	// an in-band error, or send a malformed event.
	CutFirst, ErrorFirst, MalformedFirst bool
	EventDelay                           time.Duration // wait between events
	// Content replaces the generated answer text.
	Content string
	// OnCancel is called when the client went away mid-answer.
	OnCancel func()
}

// Request is one request the fake received.
type Request struct {
	Method string
	Path   string
	Header http.Header
	Body   []byte
	Model  string
}

// Server is the fake upstream's handler.
type Server struct {
	// Fault, when set, decides how request n (0-based, all paths) behaves.
	Fault func(n int, r Request) Fault
	// Latency is added before every normal answer (benchmarks).
	Latency time.Duration
	// Record keeps received requests for Requests (default true via New).
	Record bool

	n    atomic.Int64
	mu   sync.Mutex
	reqs []Request
}

// New returns a fake that records its requests.
func New() *Server { return &Server{Record: true} }

// Requests returns what the fake received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.reqs...)
}

// Count is the number of requests received.
func (s *Server) Count() int { return int(s.n.Load()) }

// ServeHTTP implements http.Handler. Paths may carry a /v1 prefix or not.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	req := Request{Method: r.Method, Path: strings.TrimPrefix(r.URL.Path, "/v1"), Header: r.Header.Clone(), Body: body,
		Model: gjson.GetBytes(body, "model").String()}
	n := int(s.n.Add(1) - 1)
	if s.Record {
		s.mu.Lock()
		s.reqs = append(s.reqs, req)
		s.mu.Unlock()
	}
	var f Fault
	if s.Fault != nil {
		f = s.Fault(n, req)
	}
	if !sleep(r, f.Delay+s.Latency) {
		return
	}
	w.Header().Set("X-Request-Id", fmt.Sprintf("req_fake_%d_%d", time.Now().UnixNano(), n))
	for k, v := range f.Header {
		w.Header().Set(k, v)
	}
	if f.Status != 0 {
		writeErrorStatus(w, f)
		return
	}
	s.route(w, r, req, f)
}

func (s *Server) route(w http.ResponseWriter, r *http.Request, req Request, f Fault) {
	switch {
	case req.Path == "/chat/completions" || strings.HasSuffix(req.Path, "/chat/completions"):
		chat(w, r, req, f)
	case req.Path == "/completions" || strings.HasSuffix(req.Path, "/completions"):
		completion(w, r, req, f)
	case strings.HasSuffix(req.Path, "/embeddings"):
		embeddings(w, req)
	case strings.HasSuffix(req.Path, "/responses"):
		responses(w, r, req, f)
	case req.Path == "/models":
		writeJSON(w, 200, map[string]any{"object": "list", "data": []any{map[string]any{"id": "fake-model", "object": "model", "created": 1700000000, "owned_by": "fake"}}})
	default:
		writeJSON(w, 404, json.RawMessage(`{"error":{"message":"unknown path","type":"invalid_request_error","param":null,"code":"unknown_url"}}`))
	}
}

func writeErrorStatus(w http.ResponseWriter, f Fault) {
	body := f.Body
	if body == "" {
		typ := "invalid_request_error"
		if f.Status >= 500 {
			typ = "server_error"
		}
		code := "null"
		if f.Code != "" {
			code = fmt.Sprintf("%q", f.Code)
		}
		msg := http.StatusText(f.Status)
		if f.Code == "context_length_exceeded" {
			msg = "This model's maximum context length is 8 tokens. However, your messages resulted in 100 tokens."
		}
		body = fmt.Sprintf(`{"error":{"message":%q,"type":%q,"param":null,"code":%s}}`, msg, typ, code)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(f.Status)
	_, _ = io.WriteString(w, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// sleep waits d unless the client goes away first.
func sleep(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}
