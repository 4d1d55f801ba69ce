package telemetry

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/tidwall/gjson"
	"go.opentelemetry.io/otel/attribute"
)

// The model parameters and request attributes read by requestParams are
// what the map-and-json.Marshal implementation gave, for random request
// bodies carrying every parameter it reads, of every type, or not.
func TestModelParamsMatchJSONMarshal(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	floats := []string{"0", "0.2", "1", "1.0", "-0.5", "2.5e-3", "1e-7", "3.14159265358979", "1e21", "123456789012345678901234", "7E-10", "-0.000001"}
	ints := []string{"0", "1", "2", "256", "-3", "4096", "1.5"}
	strs := []string{`"json_object"`, `"json_schema"`, `"text"`, `"auto"`, `"<b>&</b>"`, `"\u2028"`, `"é"`, `""`}
	values := map[string][]string{
		"temperature": floats, "top_p": floats, "top_k": floats, "frequency_penalty": floats, "presence_penalty": floats,
		"max_completion_tokens": ints, "max_tokens": ints, "max_output_tokens": ints, "seed": ints, "n": ints, "dimensions": ints,
		"stop":             {`"END"`, `["a","<b>","\n"]`, `[]`, `null`, `"é&"`},
		"response_format":  {`{"type":"json_object"}`, `{"type":"json_schema","json_schema":{"name":"x"}}`, `{"type":"text"}`},
		"text":             {`{"format":{"type":"json_schema"}}`},
		"service_tier":     strs,
		"tool_choice":      {`"auto"`, `"none"`, `{"type":"function","function":{"name":"get_weather"}}`, `{"z":1,"a":[true,null,2.50]}`},
		"reasoning_effort": strs,
		"encoding_format":  {`"float"`, `"base64"`},
	}
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	for i := 0; i < 5000; i++ {
		var parts []string
		for _, k := range keys {
			if rng.IntN(3) == 0 {
				vs := values[k]
				parts = append(parts, fmt.Sprintf("%q:%s", k, vs[rng.IntN(len(vs))]))
			}
		}
		body := []byte("{" + strings.Join(parts, ",") + "}")
		if !gjson.ValidBytes(body) {
			t.Fatalf("bad test body %s", body)
		}
		stream := rng.IntN(2) == 0
		gotAttrs, got := requestParams(topFields(nil, body), stream)
		wantAttrs, want := requestParamsReference(topFields(nil, body), stream)
		if got != want {
			t.Fatalf("body %s:\nmodel parameters %s\nwant             %s", body, got, want)
		}
		if g, w := attribute.NewSet(gotAttrs...), attribute.NewSet(wantAttrs...); !g.Equals(&w) || len(gotAttrs) != len(wantAttrs) {
			t.Fatalf("body %s: attributes %v, want %v", body, gotAttrs, wantAttrs)
		}
	}
}

// requestParamsReference is requestParams as it was before modelParams

// (a map marshalled by json.Marshal), kept to test that the output did not

// change. It reads the GenAI request attributes and the Langfuse model

// parameters from the (redacted) request body.

func requestParamsReference(r fields, stream bool) ([]attribute.KeyValue, string) {

	var attrs []attribute.KeyValue

	params := map[string]any{}

	num := func(path, key, param string) {

		if v := r.Get(path); v.Type == gjson.Number {

			attrs = append(attrs, attribute.Float64(key, v.Float()))

			params[param] = v.Value()

		}

	}

	num("temperature", keyTemperature, "temperature")

	num("top_p", keyTopP, "top_p")

	num("top_k", keyTopK, "top_k")

	num("frequency_penalty", keyFrequencyPenalty, "frequency_penalty")

	num("presence_penalty", keyPresencePenalty, "presence_penalty")

	for _, p := range []string{"max_completion_tokens", "max_tokens", "max_output_tokens"} {

		if v := r.Get(p); v.Type == gjson.Number {

			attrs = append(attrs, attribute.Int64(keyMaxTokens, v.Int()))

			params[p] = v.Int()

			break

		}

	}

	if v := r.Get("seed"); v.Type == gjson.Number {

		attrs = append(attrs, attribute.Int64(keySeed, v.Int()))

		params["seed"] = v.Int()

	}

	if v := r.Get("n"); v.Type == gjson.Number && v.Int() != 1 {

		attrs = append(attrs, attribute.Int64(keyChoiceCount, v.Int()))

		params["n"] = v.Int()

	}

	if stops := stringList(r.Get("stop")); len(stops) > 0 {

		attrs = append(attrs, attribute.StringSlice(keyStopSequences, stops))

		params["stop"] = stops

	}

	if stream {

		attrs = append(attrs, attribute.Bool(keyStream, true))

		params["stream"] = true

	}

	attrs = append(attrs, formatParamsReference(r, params)...)

	return attrs, jsonString(params)

}

// formatParamsReference covers output type, service tier, tool choice and embeddings.

func formatParamsReference(r fields, params map[string]any) []attribute.KeyValue {

	var attrs []attribute.KeyValue

	rf := r.Get("response_format.type").String()

	if rf == "" {

		rf = r.Get("text.format.type").String() // responses API

	}

	switch rf {

	case "json_object", "json_schema":

		attrs = append(attrs, attribute.String(keyOutputType, "json"))

		params["response_format"] = rf

	case "text":

		attrs = append(attrs, attribute.String(keyOutputType, "text"))

	}

	if v := r.Get("service_tier").String(); v != "" {

		attrs = append(attrs, attribute.String(keyOpenAIServiceTier, v))

		params["service_tier"] = v

	}

	if v := r.Get("tool_choice"); v.Exists() {

		params["tool_choice"] = v.Value()

	}

	if v := r.Get("reasoning_effort").String(); v != "" {

		params["reasoning_effort"] = v

	}

	if v := r.Get("encoding_format").String(); v != "" {

		attrs = append(attrs, attribute.StringSlice(keyEncodingFormats, []string{v}))

		params["encoding_format"] = v

	}

	if v := r.Get("dimensions"); v.Type == gjson.Number {

		attrs = append(attrs, attribute.Int64(keyEmbeddingDims, v.Int()))

		params["dimensions"] = v.Int()

	}

	return attrs

}
