// Package sim is Fledgling's traffic SIMULATOR: a fake OpenAI-compatible LLM
// server and a traffic driver, used by the demo, the end-to-end test and
// benchmarks. It exists so the whole closed loop (proxy → capture → shadow →
// promotion → rollback) can run on one machine without paying for a real
// model, while still exercising the real OpenAI wire format and a realistic
// workload.
//
// The workload is built from a small embedded subset of the Berkeley Function
// Calling Leaderboard (BFCL, Apache-2.0, see data/README.md): several tasks,
// each with its own system prompt and tool set (hence its own task key), plus
// a JSON-extraction task using response_format json_schema. Every item knows
// its accepted answer.
//
// The simulated server (Server) serves simulated models, by default
// "sim-large" (always answers with the ground truth) and "sim-small" (agrees
// with the ground truth with a configurable probability per task, otherwise
// makes a realistic, deterministic mistake). Quality, latency, token counts
// and faults are adjustable at runtime, and ground-truth counters (calls and
// tokens per model, correct answers per task) are exposed so tests can check
// the gateway's figures against them.
//
// The Driver sends the workload through any base URL with the official
// openai-go client and records every response.
package sim
