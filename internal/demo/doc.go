// Package demo is Fledgling's closed loop as one runnable scenario: a traffic
// SIMULATOR serving a "large" and a "small" model, the gateway started
// in-process on embedded defaults with a generated config (one route per
// task), simulated application traffic through the official OpenAI client,
// shadow evaluation, canary promotion where the small model is good and not
// where it is not, a regression injected and rolled back, and a training job
// on captured traffic whose model enters shadow on its own.
//
// It exists as a library so that `make demo` (cmd/fledgling-demo) and the
// end-to-end test (loop_test.go, part of `make test`) run exactly the same
// loop: the demo shows it, the test asserts it.
package demo
