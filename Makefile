# nsbridge: build, test and install.
#
#   make release                 static-stdlib, non-PIE, stripped binary at $(RELEASE_BIN)
#   make install                 installs it as $(CNI_BIN_DIR)/nsbridge (mode 0755)
#   make test                    every test: deps, swift test (privileged suites too as root), release
#                                binary (+ contract tests on it), conformance harness, examples
#                                and the Kubernetes multi-node test (Tests/runtimes)
#   make image                   the installer image nsbridge:<version> (podman, no network; Containerfile)
#   make try                     deps + install + a real ADD -> CHECK -> DEL in throwaway namespaces
#   make conformance-reference   the conformance harness against Debian's reference plugins
#   make deps                    installs the Debian packages the build and tests need
#   make deb                     dist/nsbridge_<version>_<arch>.deb (dpkg-deb; lintian-checked)
#   make deb-test                installs that package, runs try-in-netns.sh on it, purges it
#   make fuzz                    every libFuzzer target in fuzz/ for FUZZ_SECONDS each (default 60)
#   make chaos / make soak       the chaos harness, bounded (part of make test) / the long soak
#
# SCRATCH selects the SwiftPM build directory (default .build), e.g. `make test SCRATCH=.build-me`.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c

SWIFT ?= swift
SCRATCH ?= .build
CNI_BIN_DIR ?= /opt/cni/bin
SWIFT_TEST_FLAGS ?=
FUZZ_SECONDS ?= 60

RELEASE_BIN = $(SCRATCH)/release/nsbridge
# The only shared libraries the release binary may need on a node: glibc's and the two netlink
# libraries (pulled in on Debian by iproute2 and nftables anyway). The GCC unwinder is linked
# statically (Package.swift): one library less to map at every call.
ALLOWED_LIBS = linux-vdso libc libm libmnl libnftnl ld-linux.*

APT_PACKAGES = dpkg-dev lintian libmnl-dev libnftnl-dev nftables iptables iproute2 iputils-ping jq containernetworking-plugins busybox-static time strace python3 podman containerd runc python3-grpcio python3-grpc-tools golang-go golang-github-appc-cni-dev iperf3

.PHONY: all build release check-release install image deps test try conformance conformance-reference clean deb deb-test chaos soak fuzz

all: release

build:
	$(SWIFT) build --scratch-path $(SCRATCH)

# libstdc++ is linked statically from .build/static-cxx (Package.swift passes -L for it). If
# that symlink were missing, the link would silently use libstdc++.so, which check-release catches.
release:
	mkdir -p .build/static-cxx
	ln -sf "$$(g++ -print-file-name=libstdc++.a)" .build/static-cxx/
	$(SWIFT) build --scratch-path $(SCRATCH) -c release --static-swift-stdlib --disable-local-rpath --product nsbridge
	$(MAKE) --no-print-directory check-release SCRATCH=$(SCRATCH)

check-release:
	@bad=$$(ldd $(RELEASE_BIN) | awk '{print $$1}' | sed -e 's/\.so.*//' -e 's|.*/||' \
	    | grep -vxE '$(subst $() ,|,$(ALLOWED_LIBS))' | tr '\n' ' ' || true); \
	if [ -n "$$bad" ]; then \
	    echo "error: $(RELEASE_BIN) links unexpected shared libraries: $$bad" >&2; ldd $(RELEASE_BIN) >&2; exit 1; \
	fi
	@echo "$(RELEASE_BIN): $$(stat -c %s $(RELEASE_BIN)) bytes; needs: $$(ldd $(RELEASE_BIN) | awk '{print $$1}' | tr '\n' ' ')"

install: release
	install -d $(DESTDIR)$(CNI_BIN_DIR)
	install -m 0755 $(RELEASE_BIN) $(DESTDIR)$(CNI_BIN_DIR)/nsbridge

# localhost/nsbridge:<version>: busybox-static, the release binary and the install entrypoint
# (examples/kubernetes/install-cni.sh) that the DaemonSet runs.
image: release
	examples/kubernetes/build-image.sh --binary $(RELEASE_BIN)

# Installs only what is missing, and refreshes the package lists only when something is.
deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	    dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	    echo "installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	else echo "deps: all present"; fi

# The executable contract is checked twice: on the debug build inside `swift test`, and on the
# release binary that `make install` would ship.
# The conformance harness and the examples need root (they create network namespaces); as an
# ordinary user they are skipped with a message, like the privileged Swift suites.
test: deps
	$(SWIFT) build --scratch-path $(SCRATCH) --build-tests
	$(SWIFT) test --scratch-path $(SCRATCH) --skip-build $(SWIFT_TEST_FLAGS)
	$(MAKE) --no-print-directory release SCRATCH=$(SCRATCH)
	NSBRIDGE_BINARY="$(abspath $(RELEASE_BIN))" $(SWIFT) test --scratch-path $(SCRATCH) --skip-build \
	    --filter PluginExecutableTests
	$(MAKE) --no-print-directory conformance SCRATCH=$(SCRATCH)
	$(MAKE) --no-print-directory deb-test SCRATCH=$(SCRATCH)

# Fuzzing is its own target (CI runs it bounded, a few seconds per target); see fuzz/README.md.
fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) fuzz/run.sh

conformance:
	@if [ "$$(id -u)" != 0 ]; then echo "conformance and examples: skipped, they need root"; exit 0; fi; \
	CNI_PORT_MAPPINGS=self conformance/run.sh --plugin $(abspath $(RELEASE_BIN)) --type nsbridge && \
	examples/test-examples.sh --plugin $(abspath $(RELEASE_BIN)) --type nsbridge \
	    --expected-failures examples/expected-failures/nsbridge.txt && \
	conformance/test-mutations.sh && \
	$(MAKE) --no-print-directory chaos SCRATCH=$(SCRATCH) && \
	Tests/ops/tools.sh --plugin $(abspath $(RELEASE_BIN)) && \
	Tests/ops/log.sh --plugin $(abspath $(RELEASE_BIN)) && \
	Tests/runtimes/run.sh --nsbridge $(abspath $(RELEASE_BIN))

deb: release
	packaging/deb/build.sh $(RELEASE_BIN) dist

# Installs into /usr/lib/cni on this machine, so it takes the lock the runtime tests share.
deb-test: deb
	@if [ "$$(id -u)" != 0 ]; then echo "deb-test: skipped, it needs root"; exit 0; fi; \
	flock /tmp/nsbridge-runtimes.lock Tests/ops/deb.sh "dist/nsbridge_$$(sed -n 's/.*static let pluginVersion = "\(.*\)".*/\1/p' Sources/CNIProtocol/PluginRunner.swift)_$$(dpkg --print-architecture).deb"

# The chaos harness, bounded (about two minutes): seeded random calls by 8 workers with kills,
# one fault of each kind between rounds, invariants after every round. See conformance/chaos.
CHAOS_FLAGS ?= --seed 1 --workers 8 --containers 24 --rounds 9 --ops-per-round 240
chaos:
	@if [ "$$(id -u)" != 0 ]; then echo "chaos: skipped, it needs root"; exit 0; fi; \
	conformance/chaos/chaos.py --plugin $(abspath $(RELEASE_BIN)) --type nsbridge $(CHAOS_FLAGS) \
	    --json $(SCRATCH)/chaos.json

# The long soak: 20,000+ calls and 1,000+ kills against nsbridge, then the same against the
# reference plugins (their known gaps: conformance/expected-failures/chaos-reference.txt).
SOAK_FLAGS ?= --seed 7 --workers 8 --containers 48 --rounds 40 --ops-per-round 560 --kill-rate 0.09
soak: release
	conformance/chaos/chaos.py --plugin $(abspath $(RELEASE_BIN)) --type nsbridge $(SOAK_FLAGS) \
	    --json $(SCRATCH)/soak-nsbridge.json
	conformance/chaos/chaos.py --plugin /usr/lib/cni/bridge --type bridge $(SOAK_FLAGS) \
	    --expected-failures conformance/expected-failures/chaos-reference.txt --json $(SCRATCH)/soak-reference.json

conformance-reference: deps
	CNI_PORT_MAPPINGS=portmap conformance/run.sh --plugin /usr/lib/cni/bridge --type bridge \
	    --expected-failures conformance/expected-failures/reference.txt

try: deps install
	NSBRIDGE=$(CNI_BIN_DIR)/nsbridge examples/try-in-netns.sh

clean:
	rm -rf $(SCRATCH) .build/static-cxx
