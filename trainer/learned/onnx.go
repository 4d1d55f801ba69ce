package learned

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"strconv"

	"google.golang.org/protobuf/encoding/protowire"
)

// ONNX graph names: the serving side (internal/onnx) looks them up, and a
// model brought by a user only needs one float input [N, features.Dim] and
// one float output with one value per row.
const (
	ONNXInput  = "features"
	ONNXOutput = "score"
	onnxOpset  = 13
	onnxIR     = 7
)

// Metadata keys written into the ONNX model.
const (
	MetaThreshold      = "fledgling.threshold"
	MetaFeatureVersion = "fledgling.feature_version"
	MetaKind           = "fledgling.kind"
)

// ONNX encodes m as an ONNX ModelProto (opset 13): for the MLP
// features[N,D] → Gemm(W1,b1) → Relu → Gemm(W2,b2) → Sigmoid → score[N,1],
// for logistic regression the same without the first Gemm and the Relu.
func (m *Model) ONNX() []byte {
	var b []byte
	b = protowire.AppendTag(b, 1, protowire.VarintType) // ir_version
	b = protowire.AppendVarint(b, onnxIR)
	b = appendString(b, 2, "fledgling")      // producer_name
	b = appendString(b, 3, m.FeatureVersion) // producer_version
	b = appendBytes(b, 7, m.graph())         // graph
	b = appendBytes(b, 8, opset(onnxOpset))  // opset_import
	for _, kv := range [][2]string{
		{MetaThreshold, strconv.FormatFloat(m.Threshold, 'g', -1, 64)},
		{MetaFeatureVersion, m.FeatureVersion},
		{MetaKind, kind(m.Hidden)},
	} {
		b = appendBytes(b, 14, appendString(appendString(nil, 1, kv[0]), 2, kv[1])) // metadata_props
	}
	return b
}

// WriteONNX writes m.ONNX() to path (via a temporary file and a rename).
func (m *Model) WriteONNX(path string) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, m.ONNX(), 0o644); err != nil {
		return fmt.Errorf("write onnx: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write onnx: %w", err)
	}
	return nil
}

func (m *Model) graph() []byte {
	var g []byte
	in := ONNXInput
	if m.Hidden > 0 {
		g = appendBytes(g, 1, node("Gemm", "gemm1", []string{in, "W1", "B1"}, "h_pre"))
		g = appendBytes(g, 1, node("Relu", "relu1", []string{"h_pre"}, "h"))
		in = "h"
	}
	g = appendBytes(g, 1, node("Gemm", "gemm2", []string{in, "W2", "B2"}, "logit"))
	g = appendBytes(g, 1, node("Sigmoid", "sigmoid", []string{"logit"}, ONNXOutput))
	g = appendString(g, 2, "fledgling_router")
	if m.Hidden > 0 {
		g = appendBytes(g, 5, tensorProto("W1", []int64{int64(m.Dim), int64(m.Hidden)}, m.W1))
		g = appendBytes(g, 5, tensorProto("B1", []int64{int64(m.Hidden)}, m.B1))
	}
	g = appendBytes(g, 5, tensorProto("W2", []int64{int64(len(m.W2)), 1}, m.W2))
	g = appendBytes(g, 5, tensorProto("B2", []int64{1}, []float32{m.B2}))
	g = appendBytes(g, 11, valueInfo(ONNXInput, int64(m.Dim)))
	g = appendBytes(g, 12, valueInfo(ONNXOutput, 1))
	return g
}

// node is a NodeProto with default attributes.
func node(op, name string, inputs []string, output string) []byte {
	var b []byte
	for _, in := range inputs {
		b = appendString(b, 1, in)
	}
	b = appendString(b, 2, output)
	b = appendString(b, 3, name)
	return appendString(b, 4, op)
}

// tensorProto is a FLOAT TensorProto with little-endian raw_data.
func tensorProto(name string, dims []int64, data []float32) []byte {
	var b []byte
	for _, d := range dims {
		b = protowire.AppendTag(b, 1, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(d))
	}
	b = protowire.AppendTag(b, 2, protowire.VarintType) // data_type
	b = protowire.AppendVarint(b, 1)                    // FLOAT
	b = appendString(b, 8, name)
	raw := make([]byte, 4*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
	}
	return appendBytes(b, 9, raw)
}

// valueInfo is a float tensor [N, cols] with a symbolic batch dimension.
func valueInfo(name string, cols int64) []byte {
	batch := appendString(nil, 2, "N") // Dimension.dim_param
	var col []byte
	col = protowire.AppendTag(col, 1, protowire.VarintType) // Dimension.dim_value
	col = protowire.AppendVarint(col, uint64(cols))
	shape := appendBytes(appendBytes(nil, 1, batch), 1, col)
	var tt []byte
	tt = protowire.AppendTag(tt, 1, protowire.VarintType) // elem_type
	tt = protowire.AppendVarint(tt, 1)                    // FLOAT
	tt = appendBytes(tt, 2, shape)
	typ := appendBytes(nil, 1, tt) // TypeProto.tensor_type
	return appendBytes(appendString(nil, 1, name), 2, typ)
}

func opset(v uint64) []byte {
	b := appendString(nil, 1, "")
	b = protowire.AppendTag(b, 2, protowire.VarintType)
	return protowire.AppendVarint(b, v)
}

func appendString(b []byte, num protowire.Number, s string) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendString(b, s)
}

func appendBytes(b []byte, num protowire.Number, v []byte) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, v)
}
