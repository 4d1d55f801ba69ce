package telemetry

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/fledgling-ai/fledgling/internal/jsonlit"
)

// modelParams collects the Langfuse model parameters as encoded JSON
// values and writes them as one object, keys sorted: what json.Marshal
// wrote for the map[string]any they used to be collected in, without its
// reflection and allocations (TestModelParamsMatchJSONMarshal).
type modelParams []modelParam

type modelParam struct {
	key string
	val []byte
}

func (p *modelParams) add(key string, val []byte) { *p = append(*p, modelParam{key, val}) }

func (p *modelParams) addInt(key string, n int64) { p.add(key, strconv.AppendInt(nil, n, 10)) }

func (p *modelParams) addString(key, s string) { p.add(key, jsonlit.AppendString(nil, s)) }

// json is the object.
func (p modelParams) json() string {
	slices.SortFunc(p, func(a, b modelParam) int { return strings.Compare(a.key, b.key) })
	b := make([]byte, 0, 128)
	b = append(b, '{')
	for i, kv := range p {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(jsonlit.AppendString(b, kv.key), ':')
		b = append(b, kv.val...)
	}
	return string(append(b, '}'))
}

// appendJSONFloat writes f as encoding/json writes a float64: shortest
// decimal, in exponent form only below 1e-6 or from 1e21, with a one-digit
// negative exponent unpadded.
func appendJSONFloat(b []byte, f float64) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}
