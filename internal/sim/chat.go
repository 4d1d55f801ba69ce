package sim

import (
	"context"
	"encoding/json"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	"github.com/fledgling-ai/fledgling/internal/openai"
)

// chatRequest is the part of a chat-completions request the simulator reads.
type chatRequest struct {
	Model    string `json:"model"`
	Messages []struct {
		Role    string          `json:"role"`
		Content json.RawMessage `json:"content"`
	} `json:"messages"`
	Tools          json.RawMessage `json:"tools"`
	ResponseFormat *struct {
		Type string `json:"type"`
	} `json:"response_format"`
	Stream        bool `json:"stream"`
	StreamOptions *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
	User string `json:"user"`
}

// usage is the simulated token count of one answer.
type usage struct{ Prompt, Completion, Reasoning int64 }

// turn is everything decided about one request before answering it.
type turn struct {
	req     chatRequest
	model   string
	prof    Profile
	task    string // "" when the request matched no item
	taskKey string
	answer  Answer
	usage   usage
	latency time.Duration
	commit  func()
}

func (s *Server) handleChat(w http.ResponseWriter, r *http.Request) {
	raw, err := io.ReadAll(io.LimitReader(r.Body, 32<<20))
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "invalid_body", "could not read the request body")
		return
	}
	var req chatRequest
	if err := json.Unmarshal(raw, &req); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "invalid_json", "the request body is not valid JSON: "+err.Error())
		return
	}
	if req.Model == "" || len(req.Messages) == 0 {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "missing_required_parameter", "model and messages are required")
		return
	}
	prof, fault, ok := s.lookupModel(req.Model)
	if !ok {
		writeError(w, http.StatusNotFound, "invalid_request_error", "model_not_found",
			"The model `"+req.Model+"` does not exist (simulator models: "+strings.Join(s.Models(), ", ")+")")
		return
	}
	if s.injectFault(w, r, req.Model, fault) {
		return
	}
	t := s.decide(req, raw, prof)
	// commit counts the answer just before its last bytes are written, so a
	// client that has the whole answer always finds it in the stats.
	t.commit = func() {
		s.stats.served(t.model, req.Stream, t.usage, t.task, t.taskKey, t.answer)
		s.log.Debug("simulator: served", "model", t.model, "task", t.task, "mistake", t.answer.Mistake, "stream", req.Stream)
	}
	var done bool
	if req.Stream {
		done = s.writeStream(r.Context(), w, t)
	} else {
		done = s.writeCompletion(r.Context(), w, t)
	}
	if !done {
		s.stats.cancelled(t.model)
	}
}

// injectFault answers with the model's fault, if one applies; true when it did.
func (s *Server) injectFault(w http.ResponseWriter, r *http.Request, model string, f Fault) bool {
	if f.Mode == "" || f.Mode == "none" || rand.Float64() >= f.Rate {
		return false
	}
	s.stats.fault(model)
	if f.Mode == "hang" {
		select {
		case <-r.Context().Done():
		case <-time.After(s.cfg.HangLimit):
		}
		return true
	}
	writeError(w, f.Status, "server_error", "simulated_fault", "The server had an error while processing your request (simulated fault).")
	return true
}

// decide recognises the item and chooses the answer, tokens and latency.
func (s *Server) decide(req chatRequest, raw []byte, prof Profile) turn {
	t := turn{req: req, model: req.Model, prof: prof}
	prompt := messageText(req.Messages[len(req.Messages)-1].Content)
	if it, ok := s.cfg.Workload.Lookup(prompt); ok {
		task := s.cfg.Workload.Task(it.Task)
		t.task, t.taskKey = it.Task, openai.TaskKey(raw)
		t.answer = answerFor(s.cfg.Seed, req.Model, prof, task, it, req.User)
	} else {
		t.answer = genericAnswer(req)
	}
	t.usage = tokens(req, t.answer, prof)
	t.latency = prof.Latency
	if prof.Jitter > 0 {
		t.latency += time.Duration((rand.Float64()*2 - 1) * float64(prof.Jitter))
	}
	return t
}

// messageText is a message's text: a string, or its text parts joined.
func messageText(content json.RawMessage) string {
	var s string
	if json.Unmarshal(content, &s) == nil {
		return s
	}
	var parts []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	_ = json.Unmarshal(content, &parts)
	var b strings.Builder
	for _, p := range parts {
		b.WriteString(p.Text)
	}
	return b.String()
}

// genericAnswer answers a request outside the workload.
func genericAnswer(req chatRequest) Answer {
	if rf := req.ResponseFormat; rf != nil && (rf.Type == "json_object" || rf.Type == "json_schema") {
		return Answer{Content: "{}"}
	}
	return Answer{Content: "This is a simulated answer from " + req.Model + " (the request is not part of the simulator's workload)."}
}

// tokens estimates token counts at about four bytes per token.
func tokens(req chatRequest, a Answer, p Profile) usage {
	in := 0
	for _, m := range req.Messages {
		in += len(m.Content) + 4
	}
	in += len(req.Tools)
	out := len(a.Content)
	for _, c := range a.Calls {
		out += len(c.Name) + len(canonicalJSON(c.Args)) + 12
	}
	return usage{
		Prompt:     scaled(in, p.PromptScale),
		Completion: scaled(out, p.CompletionScale) + p.ReasoningTokens,
		Reasoning:  p.ReasoningTokens,
	}
}

func scaled(bytes int, scale float64) int64 {
	if scale <= 0 {
		scale = 1
	}
	return int64(math.Ceil(float64(bytes) / 4 * scale))
}

// sleep waits d or until ctx ends; false when ctx ended first.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-timer.C:
		return true
	}
}
