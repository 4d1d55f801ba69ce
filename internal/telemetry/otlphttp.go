package telemetry

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/gzip"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// otlpHTTP is a span exporter speaking OTLP/HTTP protobuf to one endpoint
// (Langfuse's /api/public/otel/v1/traces). It encodes with otlpwire.go and
// gzips at BestSpeed (klauspost/compress: standard gzip, about twice as fast
// as compress/gzip; tracing's largest single cost before) into buffers kept between batches; a 429, 502, 503 or 504 is retried
// with backoff (honouring Retry-After) until the export's context ends; an
// unreachable endpoint or any other status fails the batch at once.
type otlpHTTP struct {
	url     string
	headers map[string]string
	client  *http.Client
	mu      sync.Mutex // batches are exported one at a time; the buffers outlive GCs
	bufs    *exportBufs
}

type exportBufs struct {
	gz bytes.Buffer
	zw *gzip.Writer
}

// maxPooledBytes bounds the buffers kept between batches.
const maxPooledBytes = 8 << 20

// retryableStatus are the statuses OTLP says to retry.
var retryableStatus = map[int]bool{429: true, 502: true, 503: true, 504: true}

func newOTLPHTTP(url string, headers map[string]string, timeout time.Duration) *otlpHTTP {
	return &otlpHTTP{url: url, headers: headers, client: &http.Client{Timeout: timeout}}
}

// ExportSpans sends one batch.
func (e *otlpHTTP) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	if len(spans) == 0 {
		return nil
	}
	body, release, err := e.encodeParts(appendExportRequest(nil, spans))
	defer release()
	if err != nil {
		return err
	}
	return e.send(ctx, body)
}

// encodeParts compresses the concatenation of parts (an encoded
// ExportTraceServiceRequest) into the exporter's buffers and holds them,
// and the exporter, until release: batches are encoded and sent one at a
// time.
func (e *otlpHTTP) encodeParts(parts ...[]byte) (body []byte, release func(), err error) {
	e.mu.Lock()
	bufs := e.buffers()
	release = func() {
		e.release(bufs)
		e.mu.Unlock()
	}
	body, err = bufs.compress(parts)
	return body, release, err
}

// sendBatch posts a body from encodeParts, retrying as ExportSpans does.
func (e *otlpHTTP) sendBatch(ctx context.Context, body []byte) error {
	if len(body) == 0 {
		return nil
	}
	return e.send(ctx, body)
}

// compress writes the gzipped concatenation of parts into bufs.gz and
// returns it.
func (bufs *exportBufs) compress(parts [][]byte) ([]byte, error) {
	bufs.gz.Reset()
	bufs.zw.Reset(&bufs.gz)
	for _, part := range parts {
		if _, err := bufs.zw.Write(part); err != nil {
			return nil, fmt.Errorf("compress spans: %w", err)
		}
	}
	if err := bufs.zw.Close(); err != nil {
		return nil, fmt.Errorf("compress spans: %w", err)
	}
	return bufs.gz.Bytes(), nil
}

func (e *otlpHTTP) buffers() *exportBufs {
	if e.bufs == nil {
		zw, _ := gzip.NewWriterLevel(io.Discard, gzip.BestSpeed)
		e.bufs = &exportBufs{zw: zw}
	}
	return e.bufs
}

// release drops the buffers when an unusually large batch grew them.
func (e *otlpHTTP) release(bufs *exportBufs) {
	if bufs.gz.Cap() > maxPooledBytes {
		e.bufs = nil
	}
}

// send posts body, retrying retryable failures with backoff until ctx ends.
func (e *otlpHTTP) send(ctx context.Context, body []byte) error {
	backoff := 500 * time.Millisecond
	for {
		wait, err := e.post(ctx, body)
		if err == nil || wait < 0 {
			return err
		}
		wait = max(wait, backoff)
		backoff = min(2*backoff, 30*time.Second)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return errors.Join(err, ctx.Err())
		case <-t.C:
		}
	}
}

// post makes one attempt. wait is -1 when the failure is final, else the
// delay the server asked for (0 when it named none).
func (e *otlpHTTP) post(ctx context.Context, body []byte) (wait time.Duration, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.url, bytes.NewReader(body))
	if err != nil {
		return -1, fmt.Errorf("otlp request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-protobuf")
	req.Header.Set("Content-Encoding", "gzip")
	req.Header.Set("User-Agent", "fledgling-otlp-exporter")
	for k, v := range e.headers {
		req.Header.Set(k, v)
	}
	res, err := e.client.Do(req)
	if err != nil { // unreachable: final, as the official exporter treats it, so a dead endpoint never holds up shutdown
		return -1, fmt.Errorf("otlp export: %w", err)
	}
	defer res.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(res.Body, 4<<10))
	if res.StatusCode >= 200 && res.StatusCode <= 299 {
		return 0, nil
	}
	err = fmt.Errorf("otlp export to %s: %s: %s", e.url, res.Status, strings.TrimSpace(string(msg)))
	if !retryableStatus[res.StatusCode] {
		return -1, err
	}
	return retryAfter(res.Header.Get("Retry-After")), err
}

// retryAfter reads a Retry-After header in seconds or as an HTTP date.
func retryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(min(s, 3600)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0)
	}
	return 0
}

// Shutdown releases idle connections; batches in flight finish on their own.
func (e *otlpHTTP) Shutdown(context.Context) error {
	e.client.CloseIdleConnections()
	return nil
}
