// Package redact removes secrets and configured personal data from captured
// calls before they are stored or exported. It exists so that every sink
// (traces, the capture store, datasets built from it) sees one redacted copy
// of a call, and so that provider keys and virtual keys can never leak
// through content an upstream or a client echoed back.
package redact

import (
	"bytes"
	"regexp"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/fledgling-ai/fledgling/internal/config"
)

// prefilters are cheap byte tests a text must pass before a builtin's
// regular expression runs on it (most content has no "@", many strings no digit).
var prefilters = map[string]func([]byte) bool{
	"email": func(b []byte) bool { return bytes.IndexByte(b, '@') >= 0 },
	"card":  hasDigit,
	"phone": hasDigit,
	"ipv4":  func(b []byte) bool { return hasDigit(b) && bytes.IndexByte(b, '.') >= 0 },
}

func hasDigit(b []byte) bool { return bytes.IndexAny(b, "0123456789") >= 0 }

// pattern is one compiled redaction pattern.
type pattern struct {
	re      *regexp.Regexp
	need    func([]byte) bool // nil: always run
	windows *anchored         // non-nil: matches are found around an anchor byte
}

func (p pattern) match(b []byte) bool {
	if p.need != nil && !p.need(b) {
		return false
	}
	if p.windows != nil {
		_, _, ok := p.windows.find(b, 0)
		return ok
	}
	return p.re.Match(b)
}

// replace is p.re.ReplaceAll(b, repl), b itself when nothing matched.
func (p pattern) replace(b, repl []byte) []byte {
	if p.windows != nil && bytes.IndexByte(repl, '$') < 0 {
		return p.windows.replaceAll(b, repl)
	}
	if p.match(b) {
		return p.re.ReplaceAll(b, repl)
	}
	return b
}

// builtins are the named patterns operators may switch on.
var builtins = map[string]string{
	"email": `[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}`,
	"card":  `\b(?:\d[ \-]?){12,18}\d\b`,
	"phone": `\+?\d{1,3}[ .\-]?\(?\d{2,4}\)?[ .\-]?\d{3,4}[ .\-]?\d{3,4}\b`,
	"ipv4":  `\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b`,
}

// builtinWindows are the builtins whose matches can be found around an
// anchor byte (see anchored).
var builtinWindows = map[string]*anchored{"email": emailWindows}

// secretMask replaces a registered secret wherever it appears.
const secretMask = "[SECRET]"

// minSecretLen keeps short strings (which would match ordinary text) out of
// the secret list.
const minSecretLen = 8

// Redactor applies patterns and scrubs registered secrets. It is safe for
// concurrent use; AddSecret may be called at any time (e.g. on key reload).
type Redactor struct {
	rules atomic.Pointer[rules] // swapped whole by SetRules (config reload)

	mu      sync.RWMutex
	secrets [][]byte // longest first, so a key containing another is masked whole
	hashes  map[string]bool
}

// rules are the compiled patterns and their replacement.
type rules struct {
	patterns    []pattern
	replacement []byte
}

// New compiles the configured builtins and patterns. The config has been
// validated, so a pattern that does not compile is skipped rather than fatal.
func New(cfg config.Redaction) *Redactor {
	r := &Redactor{}
	r.SetRules(cfg)
	return r
}

// SetRules replaces the patterns and the replacement (on config reload);
// calls already running finish with the rules they started with.
func (r *Redactor) SetRules(cfg config.Redaction) {
	ru := &rules{replacement: []byte(cfg.Replacement)}
	if len(ru.replacement) == 0 {
		ru.replacement = []byte("[REDACTED]")
	}
	for _, name := range cfg.Builtins {
		if p, ok := builtins[name]; ok {
			ru.patterns = append(ru.patterns, pattern{re: regexp.MustCompile(p), need: prefilters[name], windows: builtinWindows[name]})
		}
	}
	for _, p := range cfg.Patterns {
		if re, err := regexp.Compile(p); err == nil {
			ru.patterns = append(ru.patterns, pattern{re: re})
		}
	}
	r.rules.Store(ru)
}

func (r *Redactor) patterns() []pattern { return r.rules.Load().patterns }

// AddSecret registers a value (provider key, virtual key) that must never
// appear in anything redacted. Empty and very short values are ignored.
func (r *Redactor) AddSecret(s string) {
	if len(s) < minSecretLen {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, have := range r.secrets {
		if string(have) == s {
			return
		}
	}
	r.secrets = append(r.secrets, []byte(s))
	sort.Slice(r.secrets, func(i, j int) bool { return len(r.secrets[i]) > len(r.secrets[j]) })
}

// Bytes returns b with secrets and patterns replaced. It returns b itself
// when nothing matched, so callers must not modify the result in place.
func (r *Redactor) Bytes(b []byte) []byte {
	b = r.scrubSecrets(b)
	b = r.scrubHashed(b)
	ru := r.rules.Load()
	for _, p := range ru.patterns {
		b = p.replace(b, ru.replacement)
	}
	return b
}

// String is Bytes for strings.
func (r *Redactor) String(s string) string {
	if s == "" {
		return s
	}
	out := r.Bytes([]byte(s))
	return string(out)
}

// Secrets reports whether b contains a registered secret (for tests and
// defensive checks at sinks).
func (r *Redactor) Secrets(b []byte) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, s := range r.secrets {
		if bytes.Contains(b, s) {
			return true
		}
	}
	return false
}

func (r *Redactor) scrubSecrets(b []byte) []byte {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, s := range r.secrets {
		if bytes.Contains(b, s) {
			b = bytes.ReplaceAll(b, s, []byte(secretMask))
		}
	}
	return b
}

// active reports whether there is anything to do at all.
func (r *Redactor) active() bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.patterns()) > 0 || len(r.secrets) > 0 || len(r.hashes) > 0
}

// mightMatch reports whether b may hold something to redact: a secret, or
// text that passes a pattern's cheap prefilter (a pattern without one always
// may). When it may not, a document's literals are not walked at all.
func (r *Redactor) mightMatch(b []byte) bool {
	if r.Secrets(b) || r.hasHashed(b) {
		return true
	}
	for _, p := range r.patterns() {
		if p.need == nil || p.need(b) {
			return true
		}
	}
	return false
}
