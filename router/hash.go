package router

import "strings"

// Sticky assignment: a request's share (split bucket, canary membership) is a
// pure function of a stable key, so one user does not flip between models.
// FNV-1a 64 is used because it is allocation-free and stable across releases.

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func fnvString(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

// seed is the FNV state after hashing a salt, so that each route (and each
// candidate on it) assigns users independently of the others.
func seed(salt string) uint64 { return fnvString(fnvOffset, salt+"\x00") }

// unit maps a key to [0,1) under a seed.
func unit(seed uint64, key string) float64 {
	h := fnvString(seed, key)
	// Finalise (xorshift-multiply) so short keys spread over the whole range.
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	return float64(h>>11) / (1 << 53)
}

// stickyKind is the compiled form of a route's sticky setting.
type stickyKind struct {
	kind   uint8 // 0 user, 1 session, 2 request_id, 3 header
	header string
}

func parseSticky(s string) stickyKind {
	switch {
	case s == "session":
		return stickyKind{kind: 1}
	case s == "request_id":
		return stickyKind{kind: 2}
	case strings.HasPrefix(s, "header:"):
		return stickyKind{kind: 3, header: strings.ToLower(strings.TrimPrefix(s, "header:"))}
	}
	return stickyKind{kind: 0}
}

// key picks the request's sticky key, falling back to the user, the session
// and finally the request id when the configured one is absent.
func (k stickyKind) key(req *Request) string {
	var v string
	switch k.kind {
	case 0:
		v = req.User
	case 1:
		v = req.Session
	case 2:
		v = req.RequestID
	case 3:
		if req.Header != nil {
			v = req.Header(k.header)
		}
	}
	for _, alt := range [...]string{req.User, req.Session, req.RequestID} {
		if v != "" {
			break
		}
		v = alt
	}
	return v
}
