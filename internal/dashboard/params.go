package dashboard

import (
	"fmt"
	"net/url"
	"strconv"
	"time"
)

// params are a validated /v1/dashboard/costs query. From and To are aligned
// to the interval: buckets overlapping [from, to) are included whole.
type params struct {
	From, To time.Time
	Interval string // "hour" | "day"
	GroupBy  string // "route" | "model" | "key" | "tag"
}

// maxBuckets bounds the series length a request may ask for.
const maxBuckets = 5000

var groupDims = map[string]bool{"route": true, "model": true, "key": true, "tag": true}

// paramError is a bad query parameter, reported as a 400.
type paramError struct{ param, msg string }

func (e *paramError) Error() string { return e.param + ": " + e.msg }

// parseParams reads from, to (RFC 3339, YYYY-MM-DD or Unix seconds; default
// the last 7 days), interval (default hour up to 3 days, else day) and
// group_by (default model).
func parseParams(q url.Values, now time.Time) (params, error) {
	p := params{To: now, GroupBy: "model", Interval: q.Get("interval")}
	var err error
	if v := q.Get("to"); v != "" {
		if p.To, err = parseTime(v); err != nil {
			return p, &paramError{"to", err.Error()}
		}
	}
	p.From = p.To.Add(-7 * 24 * time.Hour)
	if v := q.Get("from"); v != "" {
		if p.From, err = parseTime(v); err != nil {
			return p, &paramError{"from", err.Error()}
		}
	}
	if !p.From.Before(p.To) {
		return p, &paramError{"from", "must be before to"}
	}
	if v := q.Get("group_by"); v != "" {
		if !groupDims[v] {
			return p, &paramError{"group_by", fmt.Sprintf("must be route, model, key or tag, got %q", v)}
		}
		p.GroupBy = v
	}
	return p.align()
}

func (p params) align() (params, error) {
	switch p.Interval {
	case "":
		p.Interval = "day"
		if p.To.Sub(p.From) <= 72*time.Hour {
			p.Interval = "hour"
		}
	case "hour", "day":
	default:
		return p, &paramError{"interval", fmt.Sprintf("must be hour or day, got %q", p.Interval)}
	}
	size := p.size()
	p.From = p.From.UTC().Truncate(size)
	if t := p.To.UTC().Truncate(size); t.Before(p.To) {
		p.To = t.Add(size)
	} else {
		p.To = t
	}
	if n := p.To.Sub(p.From) / size; n > maxBuckets {
		return p, &paramError{"interval", fmt.Sprintf("%d buckets requested; at most %d (use interval=day or a shorter range)", n, maxBuckets)}
	}
	return p, nil
}

func (p params) size() time.Duration {
	if p.Interval == "day" {
		return 24 * time.Hour
	}
	return time.Hour
}

// buckets lists the bucket starts in [From, To).
func (p params) buckets() []time.Time {
	var out []time.Time
	for t := p.From; t.Before(p.To); t = t.Add(p.size()) {
		out = append(out, t)
	}
	return out
}

func parseTime(v string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	if t, err := time.Parse("2006-01-02", v); err == nil {
		return t, nil
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.Unix(n, 0), nil
	}
	return time.Time{}, fmt.Errorf("%q is not RFC 3339, YYYY-MM-DD or Unix seconds", v)
}
