package dashboard

import (
	"net/url"
	"testing"
	"time"
)

func TestParamsAlignAndDefault(t *testing.T) {
	now := time.Date(2026, 3, 10, 14, 25, 0, 0, time.UTC)
	tests := []struct {
		q                  string
		from, to, interval string
	}{
		// default: last 7 days → day buckets, from floored and to ceiled to midnight UTC
		{"", "2026-03-03T00:00:00Z", "2026-03-11T00:00:00Z", "day"},
		// ≤ 3 days → hour buckets
		{"from=2026-03-09T10:15:00Z", "2026-03-09T10:00:00Z", "2026-03-10T15:00:00Z", "hour"},
		// explicit day interval over a short range; offsets converted to UTC
		{"from=2026-03-09T10:15:00%2B02:00&to=2026-03-10&interval=day", "2026-03-09T00:00:00Z", "2026-03-10T00:00:00Z", "day"},
		// Unix seconds
		{"from=1773100800&to=1773187200", "2026-03-10T00:00:00Z", "2026-03-11T00:00:00Z", "hour"},
	}
	for _, tt := range tests {
		q, _ := url.ParseQuery(tt.q)
		p, err := parseParams(q, now)
		if err != nil {
			t.Fatalf("%q: %v", tt.q, err)
		}
		if got := [3]string{p.From.Format(time.RFC3339), p.To.Format(time.RFC3339), p.Interval}; got != [3]string{tt.from, tt.to, tt.interval} {
			t.Errorf("%q: got %v; want %v", tt.q, got, [3]string{tt.from, tt.to, tt.interval})
		}
		if n := len(p.buckets()); n != int(p.To.Sub(p.From)/p.size()) || n == 0 {
			t.Errorf("%q: %d buckets", tt.q, n)
		}
	}
}
