package gateway

import (
	"bytes"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"
)

// withoutUsage is data without its top-level "usage" member, whose value u
// was found by scanFields. The common shape is cut in place into a reused
// buffer; anything else goes through sjson.
func (c *call) withoutUsage(data []byte, u gjson.Result) []byte {
	if out, ok := appendWithoutMember(c.stripBuf[:0], data, u, "usage"); ok {
		c.stripBuf = out
		return out
	}
	if out, err := sjson.DeleteBytes(data, "usage"); err == nil {
		return out
	}
	return data
}

// appendWithoutMember appends data without the object member "key": v,
// byte for byte as sjson.DeleteBytes renders it (the member and the comma
// before it, or the comma after it when it is the first member). ok is
// false when the bytes are not the plain `"key" : value` shape, so the
// caller falls back to sjson.
func appendWithoutMember(dst, data []byte, v gjson.Result, key string) ([]byte, bool) {
	i, j := v.Index, v.Index+len(v.Raw)
	if i <= 0 || j > len(data) || string(data[i:j]) != v.Raw {
		return dst, false
	}
	head := bytes.TrimRight(data[:i], " \t\r\n")
	if !bytes.HasSuffix(head, []byte(":")) {
		return dst, false
	}
	head = bytes.TrimRight(head[:len(head)-1], " \t\r\n")
	q := len(head) - len(key) - 2
	if q < 1 || head[q] != '"' || string(head[q+1:len(head)-1]) != key || head[len(head)-1] != '"' {
		return dst, false
	}
	before := bytes.TrimRight(head[:q], " \t\r\n")
	if len(before) == 0 {
		return dst, false
	}
	switch before[len(before)-1] {
	case ',': // a later member: drop the comma before it
		dst = append(dst, before[:len(before)-1]...)
	case '{': // the first member: drop the comma after it, if any
		dst = append(dst, before...)
		if k := skipSpace(data, j); k < len(data) && data[k] == ',' {
			j = k + 1
		}
	default:
		return dst, false
	}
	return append(dst, data[j:]...), true
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && b[i] <= ' ' {
		i++
	}
	return i
}
