package sim

import (
	"bufio"
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"strings"
)

//go:embed data/*.jsonl
var dataFS embed.FS

// rawQuestion is one BFCL question line.
type rawQuestion struct {
	ID       string `json:"id"`
	Question [][]struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	} `json:"question"`
	Function []struct {
		Name        string         `json:"name"`
		Description string         `json:"description"`
		Parameters  map[string]any `json:"parameters"`
	} `json:"function"`
}

// rawAnswer is one BFCL answer line: per expected call, function name →
// parameter → every acceptable value ("" = may be omitted).
type rawAnswer struct {
	ID          string                        `json:"id"`
	GroundTruth []map[string]map[string][]any `json:"ground_truth"`
}

// bfclItem is a question joined with its answer, names already mapped to
// OpenAI tool names.
type bfclItem struct {
	ID        string
	Question  string
	Functions []Tool
	Truth     []TruthCall
}

// loadCategory reads one embedded BFCL category (e.g. "simple_python").
func loadCategory(name string) ([]bfclItem, error) {
	qs, err := readLines[rawQuestion]("data/" + name + ".jsonl")
	if err != nil {
		return nil, err
	}
	as, err := readLines[rawAnswer]("data/" + name + ".answers.jsonl")
	if err != nil {
		return nil, err
	}
	if len(qs) != len(as) {
		return nil, fmt.Errorf("sim: %s: %d questions but %d answers", name, len(qs), len(as))
	}
	items := make([]bfclItem, 0, len(qs))
	for i, q := range qs {
		if q.ID != as[i].ID || len(q.Question) == 0 || len(q.Question[0]) == 0 {
			return nil, fmt.Errorf("sim: %s line %d: question/answer mismatch", name, i+1)
		}
		items = append(items, joinItem(q, as[i]))
	}
	return items, nil
}

func joinItem(q rawQuestion, a rawAnswer) bfclItem {
	turns := q.Question[0]
	it := bfclItem{ID: q.ID, Question: turns[len(turns)-1].Content}
	for _, f := range q.Function {
		it.Functions = append(it.Functions, Tool{
			Name:        ToolName(f.Name),
			Description: f.Description,
			Parameters:  convertSchema(f.Parameters),
		})
	}
	for _, call := range a.GroundTruth {
		for fn, args := range call {
			it.Truth = append(it.Truth, TruthCall{Name: ToolName(fn), Args: args})
		}
	}
	return it
}

func readLines[T any](path string) ([]T, error) {
	raw, err := dataFS.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("sim: read %s: %w", path, err)
	}
	var out []T
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var v T
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			return nil, fmt.Errorf("sim: %s line %d: %w", path, len(out)+1, err)
		}
		out = append(out, v)
	}
	return out, sc.Err()
}

// ToolName maps a BFCL function name to an OpenAI tool name (no dots).
func ToolName(bfcl string) string { return strings.ReplaceAll(bfcl, ".", "_") }

// convertSchema turns BFCL parameter schemas into JSON Schema: dict→object,
// float→number, tuple→array, any→no type; drops BFCL's non-standard
// "optional" keyword. It walks properties and items structurally, so a
// property that happens to be named "type" is left alone.
func convertSchema(s map[string]any) map[string]any {
	out := make(map[string]any, len(s))
	for k, v := range s {
		switch k {
		case "optional":
		case "type":
			if t := jsonSchemaType(v); t != "" {
				out["type"] = t
			}
		case "properties":
			props, _ := v.(map[string]any)
			conv := make(map[string]any, len(props))
			for name, p := range props {
				if pm, ok := p.(map[string]any); ok {
					conv[name] = convertSchema(pm)
				}
			}
			out["properties"] = conv
		case "items":
			if im, ok := v.(map[string]any); ok {
				out["items"] = convertSchema(im)
			}
		default:
			out[k] = v
		}
	}
	return out
}

func jsonSchemaType(v any) string {
	t, _ := v.(string)
	switch t {
	case "dict":
		return "object"
	case "float":
		return "number"
	case "tuple":
		return "array"
	case "any":
		return ""
	}
	return t
}
