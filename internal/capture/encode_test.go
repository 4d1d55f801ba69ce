package capture

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/fledgling-ai/fledgling/internal/openai"
)

// The hand-written encoding is byte for byte json.Marshal's, for records
// whose every exported field (nested ones too) is filled at random, empty
// or not: a field added to Record, Attempt or Message that appendRecord
// does not write fails here.
func TestRecordEncodingMatchesJSONMarshal(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 3000; i++ {
		r := &Record{}
		fillRandom(t, rng, reflect.ValueOf(r).Elem())
		got, err := encodeWithoutRequest(r)
		if err != nil {
			t.Fatal(err)
		}
		c := *r
		c.Request = nil
		want, err := json.Marshal(&c)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("record %d:\nours          %s\njson.Marshal  %s", i, got, want)
		}
	}
}

// A year json.Marshal refuses gives its error, not a record that cannot be
// read back.
func TestRecordEncodingRefusesWhatJSONMarshalRefuses(t *testing.T) {
	r := testRecord(1, "r", "m")
	r.Time = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := encodeWithoutRequest(r); err == nil {
		t.Fatal("year 10000 encoded; json.Marshal refuses it")
	}
}

var trickyStrings = []string{"", "plain", `quote" back\slash`, "ctrl \x00\x01\x1f \b\f\n\r\t", "<b>&amp;</b>",
	"é 日本 🎉", "line\u2028para\u2029", "bad \xff\xfe utf-8 \xe2\x82", "del \x7f", `{"a":[1,2]}`}

func fillRandom(t *testing.T, rng *rand.Rand, v reflect.Value) {
	switch v.Interface().(type) {
	case openai.Count:
		if rng.IntN(3) > 0 {
			v.Set(reflect.ValueOf(openai.Some(rng.Int64N(1e6) - 10)))
		}
		return
	case time.Time:
		zones := []*time.Location{time.UTC, time.FixedZone("x", 5*3600+1800), time.FixedZone("y", -7*3600)}
		if rng.IntN(5) > 0 {
			v.Set(reflect.ValueOf(time.Unix(rng.Int64N(4e9), rng.Int64N(1e9)*int64(rng.IntN(2))).In(zones[rng.IntN(3)])))
		}
		return
	case json.RawMessage:
		v.Set(reflect.ValueOf(json.RawMessage(`{"model":"m"}`))) // never encoded
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				fillRandom(t, rng, v.Field(i))
			}
		}
	case reflect.String:
		v.SetString(trickyStrings[rng.IntN(len(trickyStrings))])
	case reflect.Bool:
		v.SetBool(rng.IntN(2) == 1)
	case reflect.Int, reflect.Int64:
		v.SetInt([]int64{0, 1, -1, rng.Int64()}[rng.IntN(4)])
	case reflect.Slice:
		n := rng.IntN(4) - 1 // -1: nil
		if n < 0 {
			return
		}
		v.Set(reflect.MakeSlice(v.Type(), n, n))
		for i := 0; i < n; i++ {
			fillRandom(t, rng, v.Index(i))
		}
	case reflect.Map:
		n := rng.IntN(4) - 1
		if n < 0 {
			return
		}
		m := reflect.MakeMap(v.Type())
		for i := 0; i < n; i++ {
			k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
			fillRandom(t, rng, k)
			fillRandom(t, rng, e)
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	default:
		t.Fatalf("fillRandom: field of kind %s (%s): teach the filler and appendRecord about it", v.Kind(), v.Type())
	}
}
