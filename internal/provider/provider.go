// Package provider talks to upstream model APIs. It exists so that the
// gateway deals in one small contract — send these bytes to this model under
// these timeouts, get back a response or a classified error — whatever the
// upstream is: OpenAI and any OpenAI-compatible server (type "openai") or an
// Azure OpenAI resource (type "azure"). It also holds the pieces of
// resilience that belong to one upstream: the SSE reader, per-attempt
// timeouts, backoff and the circuit breaker. Shadow replays and the trainer
// use the same clients.
package provider

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/fledgling-ai/fledgling/internal/config"
)

// Client sends requests to one configured provider. It is safe for
// concurrent use and keeps its own connection pool.
type Client struct {
	Name string
	cfg  config.Provider
	base string
	http *http.Client
}

// New builds the client of provider name from its validated config.
func New(name string, p config.Provider) (*Client, error) {
	u, err := url.Parse(p.BaseURL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("provider %s: bad base_url %q", name, p.BaseURL)
	}
	dialer := &net.Dialer{Timeout: p.Timeouts.Connect, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          p.MaxIdleConns,
		MaxIdleConnsPerHost:   p.MaxIdleConns,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   p.Timeouts.Connect,
		ExpectContinueTimeout: time.Second,
	}
	return &Client{Name: name, cfg: p, base: strings.TrimRight(p.BaseURL, "/"), http: &http.Client{Transport: tr}}, nil
}

// Timeouts are the per-attempt limits of this provider.
func (c *Client) Timeouts() config.Timeouts { return c.cfg.Timeouts }

// CloseIdle drops idle connections (after a reload replaced the client).
func (c *Client) CloseIdle() { c.http.CloseIdleConnections() }

// Request is one upstream attempt.
type Request struct {
	Method string
	// Path is the API path below the version root, e.g. "/chat/completions".
	Path string
	// Model is the upstream model name (azure maps it to a deployment).
	Model string
	Body  []byte
	// Header holds the caller's headers already filtered for forwarding.
	Header http.Header
	// Stream selects the first-token timeout for the first body read.
	Stream bool
	// ContentType of Body; default application/json.
	ContentType string
	// Query is a raw query string for the upstream URL (pass-through calls).
	Query string
}

// Response is an upstream answer with a 2xx status. Its Body enforces the
// first-token, idle and total timeouts; closing it ends the attempt.
type Response struct {
	Status int
	Header http.Header
	Body   io.ReadCloser
}

// Do sends req. A non-2xx answer is read (bounded) and returned as a
// *StatusError; failures are *ConnectError, *TimeoutError or ErrCanceled.
func (c *Client) Do(ctx context.Context, req Request) (*Response, error) {
	a := startAttempt(ctx, c.cfg.Timeouts)
	hreq, err := c.newRequest(a.ctx, req)
	if err != nil {
		a.end()
		return nil, err
	}
	a.armHeader()
	res, err := c.http.Do(hreq)
	a.headersArrived()
	if err != nil {
		a.end()
		return nil, a.classify(err)
	}
	if res.StatusCode < 200 || res.StatusCode > 299 {
		body, rerr := io.ReadAll(io.LimitReader(&watchedBody{r: res.Body, a: a}, 4<<20))
		res.Body.Close()
		a.end()
		if rerr != nil {
			return nil, a.classify(rerr)
		}
		return nil, NewStatusError(res.StatusCode, res.Header, body)
	}
	a.armRead(req.Stream)
	return &Response{Status: res.StatusCode, Header: res.Header, Body: &watchedBody{r: res.Body, a: a}}, nil
}

func (c *Client) newRequest(ctx context.Context, req Request) (*http.Request, error) {
	method := req.Method
	if method == "" {
		method = http.MethodPost
	}
	var body io.Reader
	if req.Body != nil {
		body = bytes.NewReader(req.Body)
	}
	hreq, err := http.NewRequestWithContext(ctx, method, c.url(req), body)
	if err != nil {
		return nil, fmt.Errorf("build upstream request: %w", err)
	}
	for k, vs := range req.Header {
		hreq.Header[k] = vs
	}
	if req.Body != nil {
		ct := req.ContentType
		if ct == "" {
			ct = "application/json"
		}
		hreq.Header.Set("Content-Type", ct)
	}
	c.authorize(hreq.Header)
	for k, v := range c.cfg.Headers {
		hreq.Header.Set(k, v)
	}
	return hreq, nil
}

func (c *Client) url(req Request) string {
	if c.cfg.Type != "azure" {
		if req.Query != "" {
			return c.base + req.Path + "?" + req.Query
		}
		return c.base + req.Path
	}
	q := "?api-version=" + url.QueryEscape(c.cfg.APIVersion)
	if req.Query != "" {
		q += "&" + req.Query
	}
	if req.Model == "" || req.Path == "/models" {
		return c.base + "/openai" + req.Path + q
	}
	dep := req.Model
	if d, ok := c.cfg.Deployments[req.Model]; ok {
		dep = d
	}
	return c.base + "/openai/deployments/" + url.PathEscape(dep) + req.Path + q
}

func (c *Client) authorize(h http.Header) {
	h.Del("Authorization")
	h.Del("Api-Key")
	if c.cfg.APIKey == "" {
		return
	}
	if c.cfg.Type == "azure" {
		h.Set("Api-Key", c.cfg.APIKey)
		return
	}
	h.Set("Authorization", "Bearer "+c.cfg.APIKey)
}

// ErrCanceled means the caller went away; the attempt was abandoned and is
// not the upstream's fault.
var ErrCanceled = errors.New("request canceled by the client")
