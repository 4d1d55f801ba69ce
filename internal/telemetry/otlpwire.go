package telemetry

import (
	"math"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/protobuf/encoding/protowire"
)

// The Langfuse exporter encodes spans straight from the SDK's read-only
// spans into OTLP protobuf bytes: the same message the official exporter
// sends (a test decodes both and compares), without building the
// intermediate protobuf structs and marshalling them by reflection, which
// was most of the export's CPU. Field numbers are those of
// opentelemetry/proto/{collector/trace,trace,common,resource}/v1.

// lenReserve is the room kept for a nested message's length prefix until
// its size is known (a varint of up to 5 bytes covers 4 GiB).
const lenReserve = 5

// beginMsg opens a length-delimited field and returns where its body starts.
func beginMsg(b []byte, field protowire.Number) ([]byte, int) {
	b = protowire.AppendTag(b, field, protowire.BytesType)
	b = append(b, make([]byte, lenReserve)...)
	return b, len(b)
}

// endMsg writes the body's length in front of it and closes the gap left by
// the reservation.
func endMsg(b []byte, start int) []byte {
	n := len(b) - start
	at := start - lenReserve
	w := len(protowire.AppendVarint(b[at:at], uint64(n)))
	copy(b[at+w:], b[start:])
	return b[:at+w+n]
}

func appendString(b []byte, field protowire.Number, s string) []byte {
	if s == "" {
		return b
	}
	b = protowire.AppendTag(b, field, protowire.BytesType)
	return protowire.AppendString(b, s)
}

func appendBytes(b []byte, field protowire.Number, v []byte) []byte {
	b = protowire.AppendTag(b, field, protowire.BytesType)
	return protowire.AppendBytes(b, v)
}

func appendFixed64(b []byte, field protowire.Number, v uint64) []byte {
	if v == 0 {
		return b
	}
	return protowire.AppendFixed64(protowire.AppendTag(b, field, protowire.Fixed64Type), v)
}

func appendFixed32(b []byte, field protowire.Number, v uint32) []byte {
	if v == 0 {
		return b
	}
	return protowire.AppendFixed32(protowire.AppendTag(b, field, protowire.Fixed32Type), v)
}

func appendUvarint(b []byte, field protowire.Number, v uint64) []byte {
	if v == 0 {
		return b
	}
	return protowire.AppendVarint(protowire.AppendTag(b, field, protowire.VarintType), v)
}

// appendExportRequest encodes spans as an ExportTraceServiceRequest, grouped
// by resource and then by instrumentation scope in order of first
// appearance.
func appendExportRequest(b []byte, spans []sdktrace.ReadOnlySpan) []byte {
	for _, g := range groupSpans(spans) {
		b = appendResourceSpans(b, g)
	}
	return b
}

type scopeGroup struct {
	scope instrumentation.Scope
	spans []sdktrace.ReadOnlySpan
}

type resourceGroup struct {
	res    *resource.Resource
	key    attribute.Distinct
	scopes []scopeGroup
}

// groupSpans groups spans by resource and scope. A batch almost always has
// one of each, so the groups are found by a linear search.
func groupSpans(spans []sdktrace.ReadOnlySpan) []resourceGroup {
	var groups []resourceGroup
	for _, s := range spans {
		if s == nil {
			continue
		}
		g := findResource(&groups, s.Resource())
		sg := findScope(g, s.InstrumentationScope())
		sg.spans = append(sg.spans, s)
	}
	return groups
}

func findResource(groups *[]resourceGroup, r *resource.Resource) *resourceGroup {
	key := r.Equivalent()
	for i := range *groups {
		if (*groups)[i].key == key {
			return &(*groups)[i]
		}
	}
	*groups = append(*groups, resourceGroup{res: r, key: key})
	return &(*groups)[len(*groups)-1]
}

func findScope(g *resourceGroup, sc instrumentation.Scope) *scopeGroup {
	for i := range g.scopes {
		if g.scopes[i].scope == sc {
			return &g.scopes[i]
		}
	}
	g.scopes = append(g.scopes, scopeGroup{scope: sc})
	return &g.scopes[len(g.scopes)-1]
}

// appendResourceSpans: ExportTraceServiceRequest.resource_spans = 1;
// ResourceSpans{resource = 1, scope_spans = 2, schema_url = 3}.
func appendResourceSpans(b []byte, g resourceGroup) []byte {
	b, rs := beginMsg(b, 1)
	if g.res != nil {
		var r int
		b, r = beginMsg(b, 1)
		for it := g.res.Iter(); it.Next(); {
			b = appendKeyValue(b, 1, it.Attribute())
		}
		b = endMsg(b, r)
	}
	for _, sg := range g.scopes {
		b = appendScopeSpans(b, sg)
	}
	b = appendString(b, 3, g.res.SchemaURL())
	return endMsg(b, rs)
}

// appendScopeSpans: ScopeSpans{scope = 1, spans = 2, schema_url = 3};
// InstrumentationScope{name = 1, version = 2, attributes = 3}.
func appendScopeSpans(b []byte, sg scopeGroup) []byte {
	b, ss := beginMsg(b, 2)
	if sg.scope != (instrumentation.Scope{}) {
		var sc int
		b, sc = beginMsg(b, 1)
		b = appendString(b, 1, sg.scope.Name)
		b = appendString(b, 2, sg.scope.Version)
		for it := sg.scope.Attributes.Iter(); it.Next(); {
			b = appendKeyValue(b, 3, it.Attribute())
		}
		b = endMsg(b, sc)
	}
	for _, s := range sg.spans {
		b = appendSpan(b, s, nil)
	}
	b = appendString(b, 3, sg.scope.SchemaURL)
	return endMsg(b, ss)
}

// spanData is what a span's encoding reads: the SDK's read-only spans
// provide it, and so do the spans Fledgling builds (builtSpan), which are
// encoded as they are built, with no snapshot in between.
type spanData interface {
	SpanContext() trace.SpanContext
	Parent() trace.SpanContext
	Name() string
	SpanKind() trace.SpanKind
	StartTime() time.Time
	EndTime() time.Time
	Attributes() []attribute.KeyValue
	DroppedAttributes() int
	Events() []sdktrace.Event
	DroppedEvents() int
	Links() []sdktrace.Link
	DroppedLinks() int
	Status() sdktrace.Status
}

// appendSpan: Span{trace_id = 1, span_id = 2, trace_state = 3,
// parent_span_id = 4, name = 5, kind = 6, start_time_unix_nano = 7,
// end_time_unix_nano = 8, attributes = 9, dropped_attributes_count = 10,
// events = 11, dropped_events_count = 12, links = 13,
// dropped_links_count = 14, status = 15, flags = 16}, as
// ScopeSpans.spans (field 2). Attributes whose key is in drop are left out,
// as if the span never had them.
func appendSpan(b []byte, s spanData, drop map[string]bool) []byte {
	b, sp := beginMsg(b, 2)
	sc := s.SpanContext()
	tid, sid := sc.TraceID(), sc.SpanID()
	b = appendBytes(b, 1, tid[:])
	b = appendBytes(b, 2, sid[:])
	b = appendString(b, 3, sc.TraceState().String())
	if psid := s.Parent().SpanID(); psid.IsValid() {
		b = appendBytes(b, 4, psid[:])
	}
	b = appendString(b, 5, s.Name())
	b = appendUvarint(b, 6, uint64(spanKind(s.SpanKind())))
	b = appendFixed64(b, 7, unixNano(s.StartTime().UnixNano()))
	b = appendFixed64(b, 8, unixNano(s.EndTime().UnixNano()))
	for _, kv := range s.Attributes() {
		if !drop[string(kv.Key)] {
			b = appendKeyValue(b, 9, kv)
		}
	}
	b = appendUvarint(b, 10, uint64(clampCount(s.DroppedAttributes())))
	for _, e := range s.Events() {
		b = appendEvent(b, e)
	}
	b = appendUvarint(b, 12, uint64(clampCount(s.DroppedEvents())))
	for _, l := range s.Links() {
		b = appendLink(b, l)
	}
	b = appendUvarint(b, 14, uint64(clampCount(s.DroppedLinks())))
	b = appendStatus(b, s.Status())
	b = appendFixed32(b, 16, spanFlags(sc.TraceFlags(), s.Parent()))
	return endMsg(b, sp)
}

// appendStatus: Status{message = 2, code = 3}; always present, as the
// official exporter sends it.
func appendStatus(b []byte, st sdktrace.Status) []byte {
	b, at := beginMsg(b, 15)
	b = appendString(b, 2, st.Description)
	var code uint64
	switch st.Code {
	case codes.Ok:
		code = 1
	case codes.Error:
		code = 2
	}
	b = appendUvarint(b, 3, code)
	return endMsg(b, at)
}

// appendEvent: Span.Event{time_unix_nano = 1, name = 2, attributes = 3,
// dropped_attributes_count = 4}.
func appendEvent(b []byte, e sdktrace.Event) []byte {
	b, at := beginMsg(b, 11)
	b = appendFixed64(b, 1, unixNano(e.Time.UnixNano()))
	b = appendString(b, 2, e.Name)
	for _, kv := range e.Attributes {
		b = appendKeyValue(b, 3, kv)
	}
	b = appendUvarint(b, 4, uint64(clampCount(e.DroppedAttributeCount)))
	return endMsg(b, at)
}

// appendLink: Span.Link{trace_id = 1, span_id = 2, trace_state = 3,
// attributes = 4, dropped_attributes_count = 5, flags = 6}.
func appendLink(b []byte, l sdktrace.Link) []byte {
	b, at := beginMsg(b, 13)
	tid, sid := l.SpanContext.TraceID(), l.SpanContext.SpanID()
	b = appendBytes(b, 1, tid[:])
	b = appendBytes(b, 2, sid[:])
	for _, kv := range l.Attributes {
		b = appendKeyValue(b, 4, kv)
	}
	b = appendUvarint(b, 5, uint64(clampCount(l.DroppedAttributeCount)))
	b = appendFixed32(b, 6, spanFlags(l.SpanContext.TraceFlags(), l.SpanContext))
	return endMsg(b, at)
}

// appendKeyValue: KeyValue{key = 1, value = 2}. A scalar value's size is
// known before it is written, so its length prefixes are written first;
// only arrays and maps are written into a reserved gap and moved back
// (moving bodies back was about a third of encoding a span, and a long
// string value was moved twice: by its AnyValue and by its KeyValue).
func appendKeyValue(b []byte, field protowire.Number, kv attribute.KeyValue) []byte {
	if n, ok := scalarSize(kv.Value); ok {
		kvLen := n + protowire.SizeTag(2) + protowire.SizeVarint(uint64(n))
		if kv.Key != "" {
			kvLen += protowire.SizeTag(1) + protowire.SizeBytes(len(kv.Key))
		}
		b = protowire.AppendVarint(protowire.AppendTag(b, field, protowire.BytesType), uint64(kvLen))
		b = appendString(b, 1, string(kv.Key))
		b = protowire.AppendVarint(protowire.AppendTag(b, 2, protowire.BytesType), uint64(n))
		return appendScalar(b, kv.Value)
	}
	b, at := beginMsg(b, field)
	b = appendString(b, 1, string(kv.Key))
	b = appendAnyValue(b, 2, kv.Value)
	return endMsg(b, at)
}

// appendAnyValue: AnyValue{string_value = 1, bool_value = 2, int_value = 3,
// double_value = 4, array_value = 5, kvlist_value = 6, bytes_value = 7}.
// A oneof member is written even when it holds its zero value.
func appendAnyValue(b []byte, field protowire.Number, v attribute.Value) []byte {
	b, at := beginMsg(b, field)
	switch v.Type() {
	case attribute.STRING, attribute.BOOL, attribute.INT64, attribute.FLOAT64:
		b = appendScalar(b, v)
	case attribute.BYTESLICE:
		b = appendBytes(b, 7, v.AsByteSlice())
	case attribute.MAP:
		var kl int
		b, kl = beginMsg(b, 6)
		for _, kv := range v.AsMap() {
			b = appendKeyValue(b, 1, kv)
		}
		b = endMsg(b, kl)
	case attribute.BOOLSLICE, attribute.INT64SLICE, attribute.FLOAT64SLICE, attribute.STRINGSLICE, attribute.SLICE:
		b = appendArray(b, v)
	case attribute.EMPTY:
	default:
		b = protowire.AppendString(protowire.AppendTag(b, 1, protowire.BytesType), "INVALID")
	}
	return endMsg(b, at)
}

// scalarSize is the size of the AnyValue message holding v, when v is a
// scalar (or empty).
func scalarSize(v attribute.Value) (int, bool) {
	switch v.Type() {
	case attribute.STRING:
		return protowire.SizeTag(1) + protowire.SizeBytes(len(v.AsString())), true
	case attribute.BOOL:
		return protowire.SizeTag(2) + 1, true
	case attribute.INT64:
		return protowire.SizeTag(3) + protowire.SizeVarint(uint64(v.AsInt64())), true
	case attribute.FLOAT64:
		return protowire.SizeTag(4) + protowire.SizeFixed64(), true
	case attribute.EMPTY:
		return 0, true
	}
	return 0, false
}

// appendScalar writes the body of the AnyValue holding scalar v, exactly
// scalarSize(v) bytes.
func appendScalar(b []byte, v attribute.Value) []byte {
	switch v.Type() {
	case attribute.STRING:
		return protowire.AppendString(protowire.AppendTag(b, 1, protowire.BytesType), v.AsString())
	case attribute.BOOL:
		return protowire.AppendVarint(protowire.AppendTag(b, 2, protowire.VarintType), protowire.EncodeBool(v.AsBool()))
	case attribute.INT64:
		return protowire.AppendVarint(protowire.AppendTag(b, 3, protowire.VarintType), uint64(v.AsInt64()))
	case attribute.FLOAT64:
		return protowire.AppendFixed64(protowire.AppendTag(b, 4, protowire.Fixed64Type), math.Float64bits(v.AsFloat64()))
	}
	return b
}

// appendArray: ArrayValue{values = 1} in AnyValue.array_value = 5.
func appendArray(b []byte, v attribute.Value) []byte {
	b, at := beginMsg(b, 5)
	switch v.Type() {
	case attribute.STRINGSLICE:
		b = appendValues(b, v.AsStringSlice(), attribute.StringValue)
	case attribute.INT64SLICE:
		b = appendValues(b, v.AsInt64Slice(), attribute.Int64Value)
	case attribute.FLOAT64SLICE:
		b = appendValues(b, v.AsFloat64Slice(), attribute.Float64Value)
	case attribute.BOOLSLICE:
		b = appendValues(b, v.AsBoolSlice(), attribute.BoolValue)
	case attribute.SLICE:
		b = appendValues(b, v.AsSlice(), func(e attribute.Value) attribute.Value { return e })
	}
	return endMsg(b, at)
}

// appendValues writes each element as ArrayValue.values (field 1).
func appendValues[T any](b []byte, xs []T, value func(T) attribute.Value) []byte {
	for _, x := range xs {
		b = appendAnyValue(b, 1, value(x))
	}
	return b
}

// spanKind maps to Span.SpanKind (INTERNAL 1, SERVER 2, CLIENT 3,
// PRODUCER 4, CONSUMER 5).
func spanKind(k trace.SpanKind) int {
	switch k {
	case trace.SpanKindInternal:
		return 1
	case trace.SpanKindServer:
		return 2
	case trace.SpanKindClient:
		return 3
	case trace.SpanKindProducer:
		return 4
	case trace.SpanKindConsumer:
		return 5
	}
	return 0
}

// spanFlags are the W3C trace flags plus SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE
// (0x100) and, for a remote parent, SPAN_FLAGS_CONTEXT_IS_REMOTE (0x200).
func spanFlags(tf trace.TraceFlags, parent trace.SpanContext) uint32 {
	f := uint32(tf) | 0x100
	if parent.IsRemote() {
		f |= 0x200
	}
	return f
}

func unixNano(n int64) uint64 { return uint64(max(0, n)) }

func clampCount(n int) uint32 {
	if n < 0 {
		return 0
	}
	return uint32(min(int64(n), math.MaxUint32))
}

// envelope is what an ExportTraceServiceRequest holds around its spans when
// they share one resource and one instrumentation scope, as all of
// Fledgling's own spans do: encoded once, it lets spans encoded as they
// were built (wireQueue) be sent without being read again.
type envelope struct {
	resource  []byte // ResourceSpans.resource, field and all; nil without one
	resSchema []byte // ResourceSpans.schema_url
	scope     []byte // ScopeSpans.scope
	scSchema  []byte // ScopeSpans.schema_url
}

func newEnvelope(res *resource.Resource, sc instrumentation.Scope) envelope {
	var e envelope
	if res != nil {
		var r int
		e.resource, r = beginMsg(nil, 1)
		for it := res.Iter(); it.Next(); {
			e.resource = appendKeyValue(e.resource, 1, it.Attribute())
		}
		e.resource = endMsg(e.resource, r)
	}
	e.resSchema = appendString(nil, 3, res.SchemaURL())
	if sc != (instrumentation.Scope{}) {
		var at int
		e.scope, at = beginMsg(nil, 1)
		e.scope = appendString(e.scope, 1, sc.Name)
		e.scope = appendString(e.scope, 2, sc.Version)
		for it := sc.Attributes.Iter(); it.Next(); {
			e.scope = appendKeyValue(e.scope, 3, it.Attribute())
		}
		e.scope = endMsg(e.scope, at)
	}
	e.scSchema = appendString(nil, 3, sc.SchemaURL)
	return e
}

// wrap returns the bytes before and after spansLen bytes of encoded spans
// (each a ScopeSpans.spans field) that make them an ExportTraceServiceRequest,
// the same bytes appendExportRequest writes for those spans.
func (e envelope) wrap(spansLen int) (head, tail []byte) {
	ss := len(e.scope) + spansLen + len(e.scSchema)
	rs := len(e.resource) + protowire.SizeTag(2) + protowire.SizeVarint(uint64(ss)) + ss + len(e.resSchema)
	head = protowire.AppendVarint(protowire.AppendTag(nil, 1, protowire.BytesType), uint64(rs))
	head = append(head, e.resource...)
	head = protowire.AppendVarint(protowire.AppendTag(head, 2, protowire.BytesType), uint64(ss))
	head = append(head, e.scope...)
	tail = append(append([]byte(nil), e.scSchema...), e.resSchema...)
	return head, tail
}
