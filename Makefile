# tcpdrop: see README.md. Privileged targets (test, run) need root.
GO ?= go
BIN := bin
# CI sets this so that a privileged test that cannot run fails, not skips.
export TCPDROP_REQUIRE_PRIVILEGED ?= 0

.PHONY: all deps generate check-generated build test unit-test lint run clean

all: build

# Debian packages for generating the probe and for the privileged tests
# (after apt-get update, which the README's command and .ci/run run first).
deps:
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		clang-19 llvm-19 libbpf-dev nftables iproute2 util-linux git ca-certificates

# Regenerates the probe's object and Go bindings (needs clang-19).
generate:
	$(GO) generate ./bpf/

# Fails if the committed bpf2go output differs from what the source gives.
check-generated: generate
	git diff --exit-code -- bpf/ || { echo "bpf/: generated files are stale: run make generate and commit"; exit 1; }

build:
	CGO_ENABLED=0 $(GO) build -trimpath -o $(BIN)/ ./cmd/...

# Everything, the privileged tests included (run as root).
test:
	$(GO) test -count=1 ./...

# Only what needs no privileges.
unit-test:
	TCPDROP_REQUIRE_PRIVILEGED=0 $(GO) test -count=1 -short ./...

lint:
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go')); [ -z "$$out" ] || { echo "gofmt needed: $$out"; exit 1; }

# The main job: the plugin through the shim with its built-in config.
run: build
	$(BIN)/telegraf-tcpdrop -poll_interval 10s

clean:
	rm -rf $(BIN)
