package fakeupstream

import (
	"fmt"
	"io"
	"net/http"
)

// writeEvents sends events as SSE, flushing each, applying f's faults.
// done adds the chat/completions "data: [DONE]" sentinel.
func writeEvents(w http.ResponseWriter, r *http.Request, f Fault, evs []event, done bool) {
	w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(200)
	flush(w)
	if !sleep(r, f.FirstTokenDelay) {
		canceled(f)
		return
	}
	switch {
	case f.CutFirst:
		panic(http.ErrAbortHandler)
	case f.ErrorFirst:
		writeErrorEvent(w)
		return
	case f.MalformedFirst:
		writeMalformed(w)
		return
	}
	for i, ev := range evs {
		if i > 0 && !sleep(r, f.EventDelay) {
			canceled(f)
			return
		}
		switch {
		case f.CutAfter > 0 && i == f.CutAfter:
			panic(http.ErrAbortHandler) // drop the connection mid-stream
		case f.StallAfter > 0 && i == f.StallAfter:
			<-r.Context().Done()
			canceled(f)
			return
		case f.MalformedAfter > 0 && i == f.MalformedAfter:
			writeMalformed(w)
			return
		case f.ErrorAfter > 0 && i == f.ErrorAfter:
			writeErrorEvent(w)
			return
		}
		if ev.name != "" {
			fmt.Fprintf(w, "event: %s\n", ev.name)
		}
		fmt.Fprintf(w, "data: %s\n\n", ev.data)
		flush(w)
	}
	if done && !f.NoDone {
		_, _ = io.WriteString(w, "data: [DONE]\n\n")
		flush(w)
	}
}

func flush(w http.ResponseWriter) {
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
}

func canceled(f Fault) {
	if f.OnCancel != nil {
		f.OnCancel()
	}
}

func writeMalformed(w http.ResponseWriter) {
	_, _ = io.WriteString(w, "data: {\"id\":\"broken\",\"choices\":[{\"delta\":\n\n")
	flush(w)
}

func writeErrorEvent(w http.ResponseWriter) {
	_, _ = io.WriteString(w, `data: {"error":{"message":"The server had an error while processing your request.","type":"server_error","param":null,"code":null}}`+"\n\n")
	flush(w)
}
