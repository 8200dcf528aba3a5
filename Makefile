# nsbridge: build, test and install.
#
#   make release                 static-stdlib, non-PIE, stripped binary at $(RELEASE_BIN)
#   make install                 installs it as $(CNI_BIN_DIR)/nsbridge (mode 0755)
#   make test                    every test: deps, swift test (privileged suites too as root), release
#                                binary (+ contract tests on it), conformance harness, examples
#                                and the Kubernetes multi-node test (Tests/runtimes)
#   make try                     deps + install + a real ADD -> CHECK -> DEL in throwaway namespaces
#   make conformance-reference   the conformance harness against Debian's reference plugins
#   make deps                    installs the Debian packages the build and tests need
#
# SCRATCH selects the SwiftPM build directory (default .build), e.g. `make test SCRATCH=.build-me`.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c

SWIFT ?= swift
SCRATCH ?= .build
CNI_BIN_DIR ?= /opt/cni/bin
SWIFT_TEST_FLAGS ?=

RELEASE_BIN = $(SCRATCH)/release/nsbridge
# The only shared libraries the release binary may need on a node: glibc's, the GCC unwinder,
# and the two netlink libraries (pulled in on Debian by iproute2 and nftables anyway).
ALLOWED_LIBS = linux-vdso libc libm libgcc_s libmnl libnftnl ld-linux.*

APT_PACKAGES = libmnl-dev libnftnl-dev nftables iptables iproute2 iputils-ping jq containernetworking-plugins busybox-static time strace python3 podman containerd runc iperf3

.PHONY: all build release check-release install deps test try conformance conformance-reference clean

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

conformance:
	@if [ "$$(id -u)" != 0 ]; then echo "conformance and examples: skipped, they need root"; exit 0; fi; \
	conformance/run.sh --plugin $(abspath $(RELEASE_BIN)) --type nsbridge && \
	examples/test-examples.sh --plugin $(abspath $(RELEASE_BIN)) --type nsbridge \
	    --expected-failures examples/expected-failures/nsbridge.txt && \
	conformance/test-mutations.sh && \
	Tests/runtimes/run.sh --nsbridge $(abspath $(RELEASE_BIN))

conformance-reference: deps
	conformance/run.sh --plugin /usr/lib/cni/bridge --type bridge \
	    --expected-failures conformance/expected-failures/reference.txt

try: deps install
	NSBRIDGE=$(CNI_BIN_DIR)/nsbridge examples/try-in-netns.sh

clean:
	rm -rf $(SCRATCH) .build/static-cxx
