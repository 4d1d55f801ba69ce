// Package learned trains per-request routers: from shadow pairs of one route
// and candidate (the request body and whether the candidate passed the
// route's evaluators) it learns P(candidate passes | request), calibrates it
// on held-out pairs, picks the score threshold that sends the most traffic to
// the candidate while the route's quality threshold still holds on the routed
// subset (with a confidence bound), and exports the result as a small ONNX
// graph that internal/onnx serves.
//
// It exists because all-or-nothing promotion leaves savings on the table when
// a small model is good on most of a route's requests but not all (RouteLLM,
// closed-loop.md §3). Unlike RouteLLM it learns from the gateway's own live
// evidence. Like the rest of the trainer it never touches routing: the app
// installs the exported model and the promotion gate still judges the routed
// subset, while reverse shadow keeps measuring it.
//
// Models: logistic regression (Hidden == 0) and a one-hidden-layer ReLU MLP,
// both fitted with gorgonia (Adam, binary cross-entropy on logits, L2).
//
// Calibration: Platt scaling (a 1-D logistic regression of the label on the
// raw logit), fitted on the held-out pairs (half of them by default). It was
// chosen over isotonic regression because it is monotone, needs only a few
// hundred pairs to be stable, and folds exactly into the final layer
// (w ← a·w, b ← a·b + c), so the exported graph stays
// Gemm → Relu → Gemm → Sigmoid with no extra nodes.
//
// Threshold: on the same held-out pairs (never seen by training; Platt is
// monotone, so calibrating on them does not change which pairs a cut
// routes), requests are sorted by calibrated score; the threshold is the
// lowest score t such that the requests with score ≥ t have a lower
// confidence bound on their pass rate ≥ the quality threshold. Because the
// best of many cut points is picked, a plain per-cut bound is optimistic, so
// the default (BoundBonferroni) tests only a grid of 20 routed shares with a
// one-sided Wilson bound at confidence 1 − (1−conf)/20; BoundAnytime uses the
// time-uniform confidence sequence of internal/stats over every cut (valid,
// wider); BoundWilson is the uncorrected bound (for comparison). When no cut
// qualifies the threshold is Never (2): nothing is routed. The promotion
// gate's anytime-valid bounds on the live routed subset remain the guard.
//
// Features are internal/features' vector; a model records the layout
// version it was trained on (ONNX metadata fledgling.feature_version).
package learned
