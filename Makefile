# tcpdrop: see README.md. Privileged targets (test, run) need root.
GO ?= go
comma := ,
BIN := bin
# CI sets this so that a privileged test that cannot run fails, not skips.
export TCPDROP_REQUIRE_PRIVILEGED ?= 0

.PHONY: all deps generate check-generated build package test unit-test lint run clean

all: build

# Debian packages for generating the probe and for the privileged tests
# (after apt-get update, which the README's command and .ci/run run first);
# docker.io for the owner tests' containers (internal/dockertest starts its
# own daemon where none runs).
deps:
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		clang-19 llvm-19 libbpf-dev nftables iproute2 util-linux git ca-certificates \
		qemu-system-x86 qemu-system-arm binutils busybox-static bpftrace \
		influxdb prometheus libcap2-bin docker.io \
		lintian rpm man-db groff-base

# Regenerates the probe's object and Go bindings (needs clang-19).
generate:
	$(GO) generate ./bpf/

# Fails if the committed bpf2go output differs from what the source gives.
check-generated: generate
	git diff --exit-code -- bpf/ || { echo "bpf/: generated files are stale: run make generate and commit"; exit 1; }

build:
	CGO_ENABLED=0 $(GO) build -trimpath -o $(BIN)/ ./cmd/...

# Packages (.deb, .rpm) for amd64 and arm64 into $(DIST)/, with nfpm from
# packaging/nfpm.yaml. The newest entry of packaging/changelog.yml names the
# version: VERSION is its upstream part, the manifest adds release 1, and
# dpkg and rpm both accept the result (0.1.0-1). The programs are static
# (no cgo) and stripped.
VERSION := $(shell sed -n 's/^- semver: \(.*\)-1$$/\1/p' packaging/changelog.yml | head -n 1)
ARCHS := amd64 arm64
DIST := dist
package:
	rm -rf $(DIST) && mkdir -p $(DIST)
	for page in tcpdrop telegraf-tcpdrop; do gzip -9n < packaging/$$page.8 > $(DIST)/$$page.8.gz; done
	set -e; for arch in $(ARCHS); do \
		CGO_ENABLED=0 GOOS=linux GOARCH=$$arch $(GO) build -trimpath -ldflags "-s -w" -o $(DIST)/linux_$$arch/ ./cmd/...; \
		for format in deb rpm; do \
			ARCH=$$arch VERSION=$(VERSION) DIST=$(DIST) $(GO) tool nfpm package -f packaging/nfpm.yaml -p $$format -t $(DIST)/; \
		done; \
	done

# Telegraf for the end-to-end tests (e2e/): only the plugins they use, built
# with go install outside our module (go.mod stays ours), cached in .cache/.
# The cache path names the tags, so a build with other plugins is never
# taken for this one.
TELEGRAF_VERSION := 1.37.2
TELEGRAF_TAGS := custom,inputs.execd,outputs.influxdb,outputs.file,outputs.prometheus_client
TELEGRAF := .cache/telegraf/$(TELEGRAF_VERSION)-$(subst $(comma),+,$(TELEGRAF_TAGS))/telegraf
.PHONY: telegraf
telegraf: $(TELEGRAF)
$(TELEGRAF):
	GOBIN=$(CURDIR)/$(@D) GOMODCACHE=$(CURDIR)/.cache/telegraf/mod GOCACHE=$(CURDIR)/.cache/telegraf/build CGO_ENABLED=0 \
		$(GO) install -modcacherw -trimpath -tags $(TELEGRAF_TAGS) \
		-ldflags "-X github.com/influxdata/telegraf/internal.Version=$(TELEGRAF_VERSION)" \
		github.com/influxdata/telegraf/cmd/telegraf@v$(TELEGRAF_VERSION)

# Everything, the privileged tests included (run as root).
test: $(TELEGRAF) package
	TCPDROP_TELEGRAF=$(CURDIR)/$(TELEGRAF) TCPDROP_PACKAGES=$(CURDIR)/$(DIST) $(GO) test -count=1 ./...

# The privileged tests on this kernel and, under QEMU (TCG), on Debian's
# newest 5.10, 6.1 and 6.12 cloud kernels and the arm64 6.1 one, with a
# per-kernel, per-attach-mode table and each run's time (see kernels/run;
# downloads and logs in .cache/kernels/).
.PHONY: test-kernels
test-kernels:
	GO=$(GO) bash kernels/run

# The drop-storm benchmark (root, 2+ CPUs, bpftrace from deps): every tracer
# configuration against none under five shapes of storm, then the probe's
# parts, the cost per drop by series and per window; writes
# docs/benchmarks.md and its two plots (docs/benchmarks-*.png).
.PHONY: bench
bench: build bench-listeners
	CGO_ENABLED=0 $(GO) run ./bench -bin $(BIN) -out docs/benchmarks.md

# What the listener scan costs per window with 1, 100 and 1,000 namespaces
# (root; the figures are in the plugin's README).
.PHONY: bench-listeners
bench-listeners:
	$(GO) test -count=1 -run '^$$' -bench BenchmarkScan -benchtime 20x ./internal/listeners

# The soak (root, 2+ CPUs): the plugin through a 10-minute drop storm with a
# slow reader on its stdout, sampled every minute, then 50 restarts by
# SIGTERM and SIGKILL; writes docs/soak.md. soak-short is CI's version.
.PHONY: soak soak-short
soak: build
	CGO_ENABLED=0 $(GO) run ./bench -bin $(BIN) -soak 10m -soak_every 1m -restarts 50 -out docs/soak.md
soak-short: build
	CGO_ENABLED=0 $(GO) run ./bench -bin $(BIN) -soak 1m -soak_every 15s -restarts 10 -out $(BIN)/soak-short.md

# A short fuzzing run of every fuzz target (their seed corpora under
# testdata/fuzz/ also run in make test): FUZZTIME inputs each, under a
# minute in all. A count, not a duration: a duration that runs out while
# the fuzzer handles a new input fails the run with "context deadline
# exceeded", whatever the code did. New inputs' minimizing is bounded.
FUZZTIME ?= 200000x
FUZZ_TARGETS := \
	./internal/kallsyms:FuzzParseLine \
	./internal/kallsyms:FuzzScan \
	./internal/owner:FuzzParseCgroupPath \
	./internal/probe:FuzzDecode \
	./cmd/telegraf-tcpdrop:FuzzParseConfig \
	./cmd/tcpdrop:FuzzParseFlags
.PHONY: fuzz
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		echo "fuzz $${t#*:} ($(FUZZTIME))"; \
		$(GO) test -run='^$$' -fuzz="^$${t#*:}$$" -fuzztime=$(FUZZTIME) -fuzzminimizetime=5s "$${t%%:*}"; \
	done

# Only what needs no privileges.
unit-test:
	TCPDROP_REQUIRE_PRIVILEGED=0 $(GO) test -count=1 -short ./...

lint:
	$(GO) vet ./...
	GOOS=darwin $(GO) vet ./...
	GOARCH=s390x $(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go')); [ -z "$$out" ] || { echo "gofmt needed: $$out"; exit 1; }

# The main job: the plugin through the shim with its built-in config.
run: build
	$(BIN)/telegraf-tcpdrop -poll_interval 10s

clean:
	rm -rf $(BIN) $(DIST)
