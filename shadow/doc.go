// Package shadow learns, on live traffic, whether a candidate small model can
// do a route's job. After the primary has answered, a sample of requests is
// replayed to each candidate (or, once a candidate serves, to the primary:
// "reverse shadow"), the pair is scored with the route's evaluators
// (shadow/eval) against the primary's answer as the reference, and stored
// together with running aggregates and confidence bounds (internal/stats)
// that the promotion gate reads as evidence.
//
// Everything here is off the request path: the gateway's Tee call only
// samples and offers a job to a bounded per-model queue; a full queue drops
// and counts. Candidate calls run on a detached context with their own
// timeout and concurrency cap, so a hung, slow, failing or garbage-returning
// candidate never moves the primary's latency.
package shadow
