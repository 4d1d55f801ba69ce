package config

import (
	"fmt"
	"io"
	"regexp"
)

var errEOF = io.EOF

var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?\}`)

// ExpandEnv replaces ${NAME} and ${NAME:-default} in raw. ${NAME} of an unset
// variable is an error naming it; ${NAME:-default} uses default when NAME is
// unset or empty. "$${" escapes a literal "${".
func ExpandEnv(raw []byte, lookup func(string) (string, bool)) ([]byte, error) {
	var missing []string
	const escape = "\x00ESCAPED_DOLLAR\x00"
	raw = regexp.MustCompile(`\$\$\{`).ReplaceAll(raw, []byte(escape))
	out := envRef.ReplaceAllFunc(raw, func(m []byte) []byte {
		sub := envRef.FindSubmatch(m)
		name, hasDefault, def := string(sub[1]), len(sub[2]) > 0, sub[3]
		if v, ok := lookup(name); ok && (v != "" || !hasDefault) {
			return []byte(v)
		}
		if hasDefault {
			return def
		}
		missing = append(missing, name)
		return nil
	})
	out = regexp.MustCompile(regexp.QuoteMeta(escape)).ReplaceAll(out, []byte("${"))
	if len(missing) > 0 {
		return nil, fmt.Errorf("config references unset environment variable(s) %v (use ${NAME:-default} for optional ones)", missing)
	}
	return out, nil
}
