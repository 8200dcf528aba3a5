#!/bin/sh
# Builds the cnitool-compatible driver into OUT_DIR/cnitool against Debian's libcni
# (golang-github-appc-cni-dev), offline, in GOPATH mode.
#
#   Tests/runtimes/cnitool/build.sh OUT_DIR
set -eu
out=${1:?usage: build.sh OUT_DIR}
cd "$(dirname "$0")"
GO111MODULE=off GOPATH=$out/gopath:/usr/share/gocode GOCACHE=$out/gocache GOFLAGS= \
    go build -o "$out/cnitool" .
