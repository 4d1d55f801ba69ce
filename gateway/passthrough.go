package gateway

import (
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/tidwall/gjson"

	"github.com/fledgling-ai/fledgling/internal/provider"
)

// passthrough forwards any other /v1 request (files, batches, images,
// audio, moderations, fine-tuning, …) to an upstream as it came, so an app
// that uses more of the API than Fledgling models still changes only its
// base URL. The caller is authenticated as on every endpoint and the
// provider's key replaces the caller's; the call is made once (uploads are
// not safely repeatable) and relayed as the upstream answered. Such calls
// are not routed, captured, costed or shadowed.
func (s *Server) passthrough(c *gin.Context) {
	r := c.Request
	if !strings.HasPrefix(r.URL.Path, "/v1/") {
		writeError(c.Writer, unknownURL(r))
		return
	}
	rt := s.rt.Load()
	key, err := rt.authenticate(r)
	if err == nil && key.limited() {
		err = forbidden("This API key is limited to some models or routes; it may not call " + r.URL.Path + ".")
	}
	var body []byte
	if err == nil {
		body, err = readBody(c.Writer, r, rt.cfg.Server.MaxBodyBytes)
	}
	var tgt target
	if err == nil {
		tgt, body, err = rt.passthroughTarget(r, body)
	}
	if err != nil {
		writeError(c.Writer, err)
		return
	}
	s.forward(c, tgt, body)
}

// forward makes the one upstream call and relays its answer, flushing as
// bytes arrive (some of these endpoints stream).
func (s *Server) forward(c *gin.Context, tgt target, body []byte) {
	r := c.Request
	req := provider.Request{Method: r.Method, Path: strings.TrimPrefix(r.URL.Path, "/v1"), Query: r.URL.RawQuery,
		Model: tgt.upstream, Header: forwardHeaders(r.Context(), r.Header), ContentType: r.Header.Get("Content-Type")}
	if len(body) > 0 {
		req.Body = body
	}
	res, err := tgt.client.Do(r.Context(), req)
	if err != nil {
		writeError(c.Writer, err)
		return
	}
	defer res.Body.Close()
	relayHeaders(c.Writer.Header(), res.Header)
	c.Writer.WriteHeader(res.Status)
	buf := make([]byte, 32<<10)
	for {
		n, rerr := res.Body.Read(buf)
		if n > 0 {
			if _, werr := c.Writer.Write(buf[:n]); werr != nil {
				return
			}
			c.Writer.Flush()
		}
		if rerr != nil {
			if rerr != io.EOF {
				s.log.Warn("pass-through relay cut", "path", r.URL.Path, "request_id", c.GetString(requestIDKey), "error", rerr)
			}
			return
		}
	}
}

// passthroughTarget picks the upstream of a pass-through call: the model's,
// when a JSON body names one (renamed as the models table says); else the
// provider of the "*" model; else the only provider there is.
func (rt *runtime) passthroughTarget(r *http.Request, body []byte) (target, []byte, error) {
	if model := jsonModel(r, body); model != "" {
		t, err := rt.resolve(model)
		if err != nil {
			return target{}, nil, err
		}
		if t.renamed() {
			body = setJSON(body, "model", t.upstream)
		}
		return t, body, nil
	}
	name := ""
	if m, ok := rt.cfg.Models["*"]; ok {
		name = m.Provider
	} else if len(rt.clients) == 1 {
		for n := range rt.clients {
			name = n
		}
	}
	if c := rt.clients[name]; c != nil {
		return target{provider: name, client: c}, body, nil
	}
	return target{}, nil, &apiError{Status: 404, Type: "invalid_request_error", Code: "unknown_url",
		Msg: "No upstream for " + r.Method + " " + r.URL.Path + ": the request names no model and the gateway has several providers and no \"*\" model."}
}

// jsonModel is the "model" of a JSON request body, if any.
func jsonModel(r *http.Request, body []byte) string {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/json" || len(body) == 0 {
		return ""
	}
	return gjson.GetBytes(body, "model").Str
}

func unknownURL(r *http.Request) *apiError {
	return &apiError{Status: 404, Type: "invalid_request_error", Code: "unknown_url",
		Msg: "Unknown request URL: " + r.Method + " " + r.URL.Path + "."}
}
