package eval

import (
	"bytes"
	"encoding/json"
	"math/big"
	"sort"
	"strconv"
	"strings"
)

// style is how a simulated model happens to write the same JSON value.
type style struct {
	reverseKeys bool // keys in another order
	spaces      bool // newlines and indentation
	floaty      bool // 5 → 5.0, 0.01 → 1e-2
}

// restyle re-renders JSON text s in style st (the value stays equal).
func restyle(s string, st style) string {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		panic(err)
	}
	var b bytes.Buffer
	render(&b, v, st, 0)
	return b.String()
}

func render(b *bytes.Buffer, v any, st style, depth int) {
	nl := func(d int) {
		if st.spaces {
			b.WriteString("\n" + strings.Repeat("   ", d))
		}
	}
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Sort(sort.Reverse(sort.StringSlice(keys)))
		if !st.reverseKeys {
			sort.Strings(keys)
		}
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			nl(depth + 1)
			b.WriteString(strconv.Quote(k) + " : ")
			render(b, x[k], st, depth+1)
		}
		nl(depth)
		b.WriteByte('}')
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			render(b, e, st, depth+1)
		}
		b.WriteByte(']')
	case json.Number:
		b.WriteString(floatForm(string(x), st.floaty))
	default:
		enc, _ := json.Marshal(x)
		b.Write(enc)
	}
}

func floatForm(n string, floaty bool) string {
	if !floaty {
		return n
	}
	r, _ := new(big.Rat).SetString(n)
	if r.IsInt() {
		return r.Num().String() + ".0"
	}
	f, _ := r.Float64()
	return strconv.FormatFloat(f, 'e', -1, 64)
}
