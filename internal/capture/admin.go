package capture

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/fledgling-ai/fledgling/internal/openai"
)

// ParseFilter reads a Filter from query parameters: route, model, from, to
// (RFC 3339 times, or a duration meaning that long ago, e.g. "1h"), limit,
// after (a record id) and newest (true/1).
func ParseFilter(q url.Values, now time.Time) (Filter, error) {
	f := Filter{Route: q.Get("route"), Model: q.Get("model"), AfterID: q.Get("after")}
	var err error
	if f.From, err = parseTime(q.Get("from"), now); err != nil {
		return f, fmt.Errorf("from: %w", err)
	}
	if f.To, err = parseTime(q.Get("to"), now); err != nil {
		return f, fmt.Errorf("to: %w", err)
	}
	if v := q.Get("limit"); v != "" {
		if f.Limit, err = strconv.Atoi(v); err != nil || f.Limit < 1 {
			return f, fmt.Errorf("limit: want a positive integer, got %q", v)
		}
	}
	f.Newest = q.Get("newest") == "true" || q.Get("newest") == "1"
	return f, nil
}

func parseTime(v string, now time.Time) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, nil
	}
	d, err := time.ParseDuration(strings.TrimPrefix(v, "-"))
	if err != nil || d < 0 {
		return time.Time{}, fmt.Errorf("want an RFC 3339 time or a duration ago (e.g. 1h), got %q", v)
	}
	return now.Add(-d), nil
}

// listResponse is the JSON of GET /admin/v1/captures.
type listResponse struct {
	Object string    `json:"object"`
	Data   []*Record `json:"data"`
	// NextAfter pages on: pass it as after= for the next page.
	NextAfter string `json:"next_after,omitempty"`
}

// ServeList handles GET /admin/v1/captures.
func (s *Store) ServeList(w http.ResponseWriter, r *http.Request) {
	f, err := ParseFilter(r.URL.Query(), time.Now())
	if err != nil {
		openai.WriteError(w, http.StatusBadRequest, err.Error(), "")
		return
	}
	recs, err := s.Query(r.Context(), f)
	if err != nil {
		openai.WriteError(w, http.StatusInternalServerError, "capture store unavailable", "")
		return
	}
	resp := listResponse{Object: "list", Data: recs}
	if recs == nil {
		resp.Data = []*Record{}
	}
	if len(recs) > 0 && len(recs) == f.limit() {
		resp.NextAfter = recs[len(recs)-1].ID
	}
	writeJSON(w, http.StatusOK, resp)
}

// ServeGet handles GET /admin/v1/captures/{id}.
func (s *Store) ServeGet(w http.ResponseWriter, r *http.Request) {
	rec, err := s.Get(r.Context(), r.PathValue("id"))
	switch {
	case errors.Is(err, ErrNotFound):
		openai.WriteError(w, http.StatusNotFound, "no capture with this id", "")
	case err != nil:
		openai.WriteError(w, http.StatusInternalServerError, "capture store unavailable", "")
	default:
		writeJSON(w, http.StatusOK, rec)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
