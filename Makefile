# Cocoon build entry points. `make help` lists them.
GO        ?= go
BIN       ?= bin
PKGS      ?= ./...
FUZZTIME  ?= 10s
GOLANGCI  ?= $(shell command -v golangci-lint 2>/dev/null || echo $(shell $(GO) env GOPATH)/bin/golangci-lint)
COMMANDS  := $(notdir $(wildcard cmd/*))

.PHONY: help build run tools test test-race lint fuzz bench bench-smoke ci clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

build: ## Build every command into ./bin (static: guest images ship them as they are)
	@mkdir -p $(BIN)
	CGO_ENABLED=0 $(GO) build -trimpath -o $(BIN)/ $(addprefix ./cmd/,$(COMMANDS))

run: ## Start Trustee with the embedded development configuration
	$(GO) run ./cmd/trustee

tools: ## Install the tools the tests start for real (swtpm, skopeo, docker-registry...; root)
	./scripts/ensure-tools.sh

test: tools ## Run all tests (unit, conformance, end-to-end against real binaries and tools)
	$(GO) vet $(PKGS)
	$(GO) test -count=1 $(PKGS)

test-race: ## Run all tests under the race detector
	$(GO) test -count=1 -race $(PKGS)

lint: ## gofmt, go vet and golangci-lint
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt: files above need formatting"; exit 1; }
	$(GO) vet $(PKGS)
	$(GOLANGCI) run $(PKGS)

fuzz: ## Run every fuzz target for FUZZTIME each (default 10s)
	./scripts/fuzz-all.sh $(FUZZTIME)

bench: ## Run the benchmarks (throughput next to the cryptographic floor)
	$(GO) test -run='^$$' -bench=. -benchmem $(PKGS)

bench-smoke: ## Run every benchmark once so they keep compiling and working
	$(GO) test -run='^$$' -bench=. -benchtime=1x $(PKGS)

ci: test lint fuzz bench-smoke ## What CI runs after installing tools

clean: ## Remove build output
	rm -rf $(BIN)
