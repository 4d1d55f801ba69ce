// Package telemetry traces and measures every call through the gateway. It
// exists so that "traced" means one thing everywhere: a SERVER span per
// request and a CLIENT span per upstream attempt carrying the OpenTelemetry
// GenAI semantic conventions (v1.41) and Langfuse's observation attributes,
// exported over OTLP/HTTP to Langfuse and, optionally, to any OTLP backend;
// and metrics (GenAI client histograms with the semconv buckets, gateway
// counters and gauges) exposed at /metrics and over OTLP.
//
// Spans are built after the fact from the completed capture.Record, just
// before the export (deferred.go; on the idle-priority thread of package
// bgprio unless server.background_priority is "normal"), so the request path
// does no tracing work beyond opening the SERVER span, and the handler, once
// the answer has left, only records metrics and queues the call. For
// Langfuse each span is encoded as OTLP protobuf as it is built
// (builtspan.go, wirequeue.go), from attribute slices reused from call to
// call. Every queue is bounded and drops (and counts drops) rather than ever
// blocking a request.
package telemetry
