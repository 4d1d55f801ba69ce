# Fledgling — see README.md. `make help` lists the targets.
SHELL := /bin/bash
GO ?= go
BIN := bin/fledgling
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X github.com/fledgling-ai/fledgling/internal/app.Version=$(VERSION)
CONFIG ?= configs/fledgling.yaml

.PHONY: help build run test test-go test-node bench lint fuzz demo onnxruntime tools clean docs

help: ## list targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

build: ## build bin/fledgling (static, CGO off)
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/fledgling

run: build ## run the gateway on the embedded defaults (configs/fledgling.yaml)
	./$(BIN) serve --config $(CONFIG)

test: tools test-go test-node ## run every test (Go, Node SDKs, recipes); needs Redis and PostgreSQL on localhost
	@echo "all test suites passed"

test-go: ## Go tests (race detector off for speed on 2 cores; see lint for vet)
	$(GO) test -count=1 -timeout 20m ./...

test-node: tools ## official Node SDK tests (openai, Vercel AI SDK) against the running gateway
	cd tests/node && PATH="$(CURDIR)/.tools/node/bin:$$PATH" npm ci --no-audit --no-fund --silent && \
	  PATH="$(CURDIR)/.tools/node/bin:$$PATH" FLEDGLING_REPO=$(CURDIR) node --test --test-timeout=600000

tools: ## install test-only tools locally (Node 22 from npm) under .tools/
	@bash scripts/tools.sh

bench: ## benchmarks: figures printed side by side with their baselines
	$(GO) run ./cmd/fledgling-bench

lint: ## go vet + gofmt check
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)

fuzz: ## run the fuzz targets briefly
	$(GO) test -run=^$$ -fuzz=FuzzSSEReader -fuzztime=10s ./internal/provider
	$(GO) test -run=^$$ -fuzz=FuzzDecodeRequest -fuzztime=10s ./gateway
	$(GO) test -run=^$$ -fuzz=FuzzOnePassPathMatchesGJSON -fuzztime=10s ./internal/features
	$(GO) test -run=^$$ -fuzz=FuzzEmailWindowsMatchTheRegexp -fuzztime=10s ./internal/redact
	$(GO) test -run=^$$ -fuzz=FuzzLiteralRawPathMatchesDecoding -fuzztime=10s ./internal/redact

demo: build ## the closed loop end to end with the traffic simulator (< 5 min), then the dashboard until Ctrl-C
	CGO_ENABLED=0 $(GO) run -trimpath ./cmd/fledgling-demo $(DEMO_ARGS)

onnxruntime: ## put libonnxruntime.so (from the onnxruntime-node npm package) in third_party/onnxruntime/
	@bash scripts/onnxruntime.sh

clean: ## remove build outputs and local data
	rm -rf bin data

docs: ## regenerate README.md's configuration reference from internal/config
	$(GO) run ./cmd/fledgling-docs
