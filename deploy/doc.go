// Package deploy holds Fledgling's deployment artifacts (Dockerfile, Docker
// Compose, OpenTelemetry collector config, Kubernetes manifests). It has no
// code: its tests exist so CI catches a broken manifest without a cluster or
// a Docker engine, by decoding every manifest strictly into the Kubernetes API
// types and every gateway config through Fledgling's own config validation.
package deploy
