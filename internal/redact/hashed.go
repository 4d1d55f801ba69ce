package redact

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"
)

// keyLike matches tokens that could be API keys: long runs of key characters.
var keyLike = regexp.MustCompile(`[A-Za-z0-9_\-]{16,}`)

// AddSecretHash registers a secret known only by its hex SHA-256 (virtual
// keys configured with sha256:). Key-like tokens in redacted text are hashed
// and masked when they match.
func (r *Redactor) AddSecretHash(hexSHA256 string) {
	h := strings.ToLower(strings.TrimSpace(hexSHA256))
	if len(h) != sha256.Size*2 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.hashes == nil {
		r.hashes = map[string]bool{}
	}
	r.hashes[h] = true
}

// scrubHashed masks key-like tokens whose hash is registered.
func (r *Redactor) scrubHashed(b []byte) []byte {
	r.mu.RLock()
	n := len(r.hashes)
	r.mu.RUnlock()
	if n == 0 {
		return b
	}
	return keyLike.ReplaceAllFunc(b, func(tok []byte) []byte {
		sum := sha256.Sum256(tok)
		r.mu.RLock()
		hit := r.hashes[hex.EncodeToString(sum[:])]
		r.mu.RUnlock()
		if hit {
			return []byte(secretMask)
		}
		return tok
	})
}

// hasHashed reports whether b holds a token whose hash is registered.
func (r *Redactor) hasHashed(b []byte) bool {
	r.mu.RLock()
	n := len(r.hashes)
	r.mu.RUnlock()
	if n == 0 {
		return false
	}
	return string(r.scrubHashed(b)) != string(b)
}
