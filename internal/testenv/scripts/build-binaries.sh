#!/usr/bin/env bash
# Builds the local control plane (etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler, kwok) and distribution's registry from the Go module proxy,
# into a directory keyed by version. Nothing prebuilt can be downloaded here, so
# everything comes from source; a finished build is marked with .complete and
# reused.
#
# usage: build-binaries.sh OUT_DIR
# env:   K8S_VERSION ETCD_VERSION KWOK_VERSION REGISTRY_VERSION
set -euo pipefail

out=${1:?usage: build-binaries.sh OUT_DIR}
k8s=${K8S_VERSION:-1.37.2}
etcd=${ETCD_VERSION:-3.6.16}
kwok=${KWOK_VERSION:-0.7.0}
registry=${REGISTRY_VERSION:-3.1.2}

if [[ -f "$out/.complete" ]]; then
  exit 0
fi
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export GOFLAGS=-mod=mod GOWORK=off CGO_ENABLED=0
ldflags="-s -w"
start=$(date +%s)

log() { echo "testenv build: $*" >&2; }

build_kubernetes() {
  local dir="$work/kubernetes" minor
  minor="0.${k8s#1.}"
  mkdir -p "$dir" && cd "$dir"
  go mod init tugboat.dev/throwaway/kubernetes >/dev/null 2>&1
  local gomod
  gomod=$(go mod download -json "k8s.io/kubernetes@v$k8s" | sed -n 's/^\s*"GoMod": "\(.*\)",$/\1/p')
  # k8s.io/kubernetes requires its staging modules at v0.0.0 and replaces them
  # with local paths; a consumer must point each at its published release.
  local m
  for m in $(sed -n 's#^\s*\(k8s.io/[a-z0-9-]*\) => ./staging/.*#\1#p' "$gomod"); do
    go mod edit -replace="$m=$m@v$minor"
  done
  go mod edit -require="k8s.io/kubernetes@v$k8s"
  cat > tools.go <<'GO'
//go:build tools

package tools
GO
  local cmds=(kube-apiserver kube-controller-manager kube-scheduler)
  local pkgs=()
  for m in "${cmds[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$m"); done
  go get "${pkgs[@]/%/@v$k8s}" >/dev/null
  local vflags="-X k8s.io/component-base/version.gitVersion=v$k8s -X k8s.io/component-base/version.gitMajor=${k8s%%.*} -X k8s.io/component-base/version.gitMinor=$(echo "$k8s" | cut -d. -f2) -X k8s.io/component-base/version.gitTreeState=clean"
  for m in "${cmds[@]}"; do
    log "building $m v$k8s"
    go build -trimpath -ldflags "$ldflags $vflags" -o "$out/$m.tmp" "k8s.io/kubernetes/cmd/$m"
    mv "$out/$m.tmp" "$out/$m"
  done
}

build_etcd() {
  local dir="$work/etcd"
  mkdir -p "$dir" && cd "$dir"
  go mod init tugboat.dev/throwaway/etcd >/dev/null 2>&1
  cat > main.go <<'GO'
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
  local m
  for m in api/v3 client/pkg/v3 client/v3 pkg/v3 server/v3; do
    go mod edit -require="go.etcd.io/etcd/$m@v$etcd"
  done
  go mod tidy >/dev/null 2>&1 || go mod tidy
  log "building etcd v$etcd"
  go build -trimpath -ldflags "$ldflags" -o "$out/etcd.tmp" .
  mv "$out/etcd.tmp" "$out/etcd"
}

install_tool() { # name module version
  log "building $1 $3"
  GOBIN="$work/bin" go install -trimpath -ldflags "$ldflags" "$2@$3"
  mv "$work/bin/$1" "$out/$1"
}

[[ -x "$out/etcd" ]] || build_etcd
[[ -x "$out/kube-apiserver" && -x "$out/kube-controller-manager" && -x "$out/kube-scheduler" ]] || build_kubernetes
[[ -x "$out/kwok" ]] || install_tool kwok sigs.k8s.io/kwok/cmd/kwok "v$kwok"
[[ -x "$out/registry" ]] || install_tool registry github.com/distribution/distribution/v3/cmd/registry "v$registry"
touch "$out/.complete"
log "done in $(( $(date +%s) - start ))s: $out"
