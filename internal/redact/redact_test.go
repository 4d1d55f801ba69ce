package redact

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/fledgling-ai/fledgling/internal/capture"
	"github.com/fledgling-ai/fledgling/internal/config"
	"github.com/fledgling-ai/fledgling/internal/openai"
	"github.com/tidwall/gjson"
)

func TestRedactAppliesPatternsAndSecretsToEveryContentField(t *testing.T) {
	r := New(config.Redaction{Builtins: []string{"email", "card", "ipv4"}, Patterns: []string{`ACME-\d+`}})
	r.AddSecret("sk-provider-0123456789abcdef")
	r.AddSecret("fk-virtual-key-42")
	r.AddSecret("short") // ignored: too short to be a key
	in := &capture.Record{
		ID:           "req-1",
		Request:      json.RawMessage(`{"model":"gpt-4o-mini","messages":[{"role":"user","content":"mail bob@example.com, card 4111 1111 1111 1111, host 10.1.2.3, ticket ACME-77, key sk-provider-0123456789abcdef \"quoted\""}],"metadata":{"note":"fk-virtual-key-42"}}`),
		Response:     openai.Message{Content: "reply to bob@example.com", ToolCalls: []openai.ToolCall{{Name: "f", Arguments: `{"to":"alice@example.org"}`}}},
		ErrorMessage: "Incorrect API key provided: sk-provider-0123456789abcdef",
		Metadata:     map[string]string{"owner": "carol@example.net"},
		Tags:         []string{"short"},
	}
	out := r.Redact(in)
	if !json.Valid(out.Request) {
		t.Fatalf("redacted request is not valid JSON: %s", out.Request)
	}
	all, _ := json.Marshal(out)
	for _, leak := range []string{"bob@example.com", "4111 1111", "10.1.2.3", "ACME-77", "sk-provider", "fk-virtual", "alice@example.org", "carol@example.net"} {
		if strings.Contains(string(all), leak) {
			t.Errorf("%q survived redaction: %s", leak, all)
		}
	}
	if !strings.Contains(string(out.Request), `"model":"gpt-4o-mini"`) || !strings.Contains(string(out.Request), `\"quoted\"`) {
		t.Errorf("structure or unrelated content changed: %s", out.Request)
	}
	if !strings.Contains(string(in.Request), "bob@example.com") || in.Response.ToolCalls[0].Arguments != `{"to":"alice@example.org"}` {
		t.Error("Redact modified its input")
	}
	if out.Tags[0] != "short" {
		t.Errorf("short strings are not secrets: %v", out.Tags)
	}
}

func TestRedactWithoutPatternsReturnsEqualCopy(t *testing.T) {
	r := New(config.Redaction{})
	in := &capture.Record{ID: "x", Request: json.RawMessage(`{"a":"b@c.de"}`), Tags: []string{"t"}}
	out := r.Redact(in)
	if out == in || !reflect.DeepEqual(out, in) {
		t.Fatalf("want an equal copy, got %+v", out)
	}
}

// Redact shares with its input what it leaves as it was, and copies a
// tag list, metadata map or tool-call list before changing a value in it.
func TestRedactCopiesWhatItChanges(t *testing.T) {
	r := New(config.Redaction{Patterns: []string{`secret`}})
	in := &capture.Record{ID: "x", Tags: []string{"t", "a secret"}, Metadata: map[string]string{"k": "secret v", "j": "x"},
		Response: openai.Message{ToolCalls: []openai.ToolCall{{Name: "f", Arguments: `{"a":"1"}`}, {Name: "g", Arguments: `{"s":"secret"}`}}}}
	out := r.Redact(in)
	if out.Tags[1] != "a [REDACTED]" || out.Metadata["k"] != "[REDACTED] v" || out.Metadata["j"] != "x" ||
		out.Response.ToolCalls[1].Arguments != `{"s":"[REDACTED]"}` || out.Response.ToolCalls[0].Arguments != `{"a":"1"}` {
		t.Fatalf("not redacted: %+v", out)
	}
	if in.Tags[1] != "a secret" || in.Metadata["k"] != "secret v" || in.Response.ToolCalls[1].Arguments != `{"s":"secret"}` {
		t.Fatalf("Redact changed its input: %+v", in)
	}
}

func TestJSONKeepsKeysAndValidity(t *testing.T) {
	r := New(config.Redaction{Patterns: []string{`secret`}})
	got := string(r.JSON([]byte(`{"secret": "a secret\\n", "list":["secret", 1, true, null]}`)))
	want := `{"secret": "a [REDACTED]\\n", "list":["[REDACTED]", 1, true, null]}`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func TestSecretsKnownOnlyByHashAreMasked(t *testing.T) {
	r := New(config.Redaction{})
	key := "fk-live-abcdefghijklmnop0123"
	sum := sha256.Sum256([]byte(key))
	r.AddSecretHash(hex.EncodeToString(sum[:]))
	in := &capture.Record{Request: json.RawMessage(`{"messages":[{"role":"user","content":"my key is ` + key + ` ok"}]}`)}
	out := r.Redact(in)
	if strings.Contains(string(out.Request), key) || !strings.Contains(string(out.Request), "my key is [SECRET] ok") {
		t.Fatalf("hashed key not masked: %s", out.Request)
	}
	if got := r.String("unrelated-token-that-is-long"); got != "unrelated-token-that-is-long" {
		t.Fatalf("unrelated token changed: %s", got)
	}
}

func TestLogHandlerMasksSecretsInMessagesAttrsErrorsAndGroups(t *testing.T) {
	r := New(config.Redaction{Builtins: []string{"email"}})
	r.AddSecret("sk-provider-0123456789abcdef")
	var buf bytes.Buffer
	log := slog.New(NewLogHandler(slog.NewTextHandler(&buf, nil), r)).With("k", "sk-provider-0123456789abcdef")
	log.Info("msg sk-provider-0123456789abcdef", "err", errors.New("401: Incorrect API key provided: sk-provider-0123456789abcdef"),
		slog.Group("g", "inner", "x sk-provider-0123456789abcdef"), "mail", "ops@example.com")
	out := buf.String()
	if strings.Contains(out, "sk-provider") || strings.Count(out, "[SECRET]") != 4 {
		t.Fatalf("secret in log: %s", out)
	}
	if !strings.Contains(out, "ops@example.com") {
		t.Fatalf("logs keep non-secret content: %s", out)
	}
}

// The email builtin found around each '@' matches and replaces exactly as
// the regular expression over the whole text does.
func FuzzEmailWindowsMatchTheRegexp(f *testing.F) {
	for _, s := range []string{"Contact: ops@example.com", "a@b.co@c.de", "x@y", "@@a.bc", "me@host.com. you@h.io,",
		"é+tag%1_@sub-d.example.museum then <q@w.e.rt>", "a.b@c..de", "@example.com", "user@", "a@b.c0m z@y.xx"} {
		f.Add(s)
	}
	re := regexp.MustCompile(builtins["email"])
	repl := []byte("[REDACTED]")
	f.Fuzz(func(t *testing.T, s string) {
		b := []byte(s)
		if got, want := emailWindows.replaceAll(b, repl), re.ReplaceAll(b, repl); !bytes.Equal(got, want) {
			t.Fatalf("%q: windows give %q, regexp %q", s, got, want)
		}
		_, _, ok := emailWindows.find(b, 0)
		if ok != re.Match(b) {
			t.Fatalf("%q: windows match %v, regexp %v", s, ok, !ok)
		}
	})
}

// The raw-bytes path of literal must give exactly what decoding, redacting
// and re-encoding gives, whatever the literal and the replacement hold.
func FuzzLiteralRawPathMatchesDecoding(f *testing.F) {
	for _, s := range []string{"mail ops@example.com now", "key sk-provider-0123456789abcdef!", "é ops@example.com \u2028 x",
		"ticket ACME-77 \x01", "bad \xff utf8 a@b.co", "plain text", "a@b.co\u2029", "ACME-1 ACME-2"} {
		f.Add(s, "[REDACTED]")
		f.Add(s, `"quoted" \ repl`)
		f.Add(s, "line\u2028sep")
	}
	f.Fuzz(func(t *testing.T, s, repl string) {
		r := New(config.Redaction{Builtins: []string{"email", "ipv4"}, Patterns: []string{`ACME-\d+`}, Replacement: repl})
		r.AddSecret("sk-provider-0123456789abcdef")
		lit := append(append([]byte{'"'}, s...), '"')
		if bytes.IndexByte(lit[1:len(lit)-1], '"') >= 0 || bytes.IndexByte(lit, '\\') >= 0 || !json.Valid(lit) {
			return // not a literal without escapes: literal decodes it anyway
		}
		if got, want := r.literal(lit), r.literalDecoded(lit); !bytes.Equal(got, want) {
			t.Fatalf("literal %q, replacement %q: raw path %q, decoded %q", lit, repl, got, want)
		}
	})
}

// JSON walks the literals of a document only when gjson finds it valid, and
// redacts anything else as plain bytes: gjson must accept no document that
// encoding/json rejects (or content outside literals could escape).
func FuzzValidityAgreesWithEncodingJSON(f *testing.F) {
	for _, s := range []string{`{"a":"b"}`, `[1,2.5e3,-0]`, `"\u00e9"`, "\"\xff\"", `{"a":01}`, `"\x"`, "\"a\tb\"", `[1,]`,
		`{"a":1,}`, ` {"a" : [true,false,null]} `, `1e`, `-`, `"\ud800"`, `{"a" "b"}`, `["a" ops@example.com]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if a, b := gjson.Valid(s), json.Valid([]byte(s)); a != b {
			t.Fatalf("%q: gjson.Valid %v, json.Valid %v", s, a, b)
		}
	})
}
