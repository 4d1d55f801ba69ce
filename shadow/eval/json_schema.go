package eval

import (
	"crypto/sha256"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/tidwall/gjson"
)

// JSONSchema validates the candidate's content against the request's
// response_format.json_schema.schema. Compiled schemas are cached by hash,
// since one route sends the same schema over and over.
type JSONSchema struct {
	mu    sync.Mutex
	cache map[[32]byte]*jsonschema.Schema
}

const maxCachedSchemas = 256

func newJSONSchema() *JSONSchema { return &JSONSchema{cache: map[[32]byte]*jsonschema.Schema{}} }

// Name implements Evaluator.
func (*JSONSchema) Name() string { return "json_schema" }

// Evaluate implements Evaluator.
func (e *JSONSchema) Evaluate(in Input) Result {
	raw := gjson.GetBytes(in.Request, "response_format.json_schema.schema")
	if !raw.IsObject() {
		return skipped("json_schema", "request has no response_format.json_schema.schema")
	}
	sch, err := e.compile(raw.Raw)
	if err != nil {
		return skipped("json_schema", "request schema does not compile: "+err.Error())
	}
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(StripThink(in.Candidate.Content)))
	if err != nil {
		return Result{Evaluator: "json_schema", Note: "candidate content is not JSON"}
	}
	if err := sch.Validate(doc); err != nil {
		return Result{Evaluator: "json_schema", Note: firstLine(err.Error())}
	}
	return Result{Evaluator: "json_schema", Score: 1, Pass: true}
}

func (e *JSONSchema) compile(raw string) (*jsonschema.Schema, error) {
	key := sha256.Sum256([]byte(raw))
	e.mu.Lock()
	defer e.mu.Unlock()
	if s, ok := e.cache[key]; ok {
		return s, nil
	}
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(raw))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("request.json", doc); err != nil {
		return nil, err
	}
	s, err := c.Compile("request.json")
	if err != nil {
		return nil, err
	}
	if len(e.cache) >= maxCachedSchemas {
		clear(e.cache)
	}
	e.cache[key] = s
	return s, nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i > 0 {
		return s[:i]
	}
	return s
}
