//go:build cgo

package onnx

import (
	"math"

	ort "github.com/yalue/onnxruntime_go"
)

// Metadata keys trainer/learned writes (duplicated here so serving does not
// import the trainer).
const (
	MetaThreshold      = "fledgling.threshold"
	MetaFeatureVersion = "fledgling.feature_version"
)

// readMeta returns the model's custom metadata and its threshold (NaN when absent).
func readMeta(model []byte) (map[string]string, float64) {
	out := map[string]string{}
	md, err := ort.GetModelMetadataWithONNXData(model)
	if err != nil {
		return out, nan()
	}
	defer md.Destroy()
	keys, err := md.GetCustomMetadataMapKeys()
	if err != nil {
		return out, nan()
	}
	for _, k := range keys {
		if v, ok, err := md.LookupCustomMetadataMap(k); err == nil && ok {
			out[k] = v
		}
	}
	v, ok := out[MetaThreshold]
	return out, parseThreshold(v, ok)
}

func nan() float64 { return math.NaN() }
