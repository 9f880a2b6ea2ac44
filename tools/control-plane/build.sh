#!/usr/bin/env bash
# Builds etcd, kube-apiserver, kube-controller-manager and kubectl at the Kubernetes version in VERSION
# from the Go module proxy into a cache outside the repository, keyed by version and by the
# sources here, and reuses them on later runs. Prints the directory holding the binaries.
#
#   tools/control-plane/build.sh            # -> ~/.cache/ferry/control-plane/v1.37.2-<hash>/bin
#   FERRY_CONTROL_PLANE_CACHE=/some/dir tools/control-plane/build.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
version="$(tr -d '[:space:]' < "$here/VERSION")"
minor_patch="${version#*.}"                      # 1.37.2 -> 37.2: staging modules are v0.37.2
sources_hash="$( (cd "$here" && cat VERSION go.mod build.sh cmd/*/main.go) | sha256sum | cut -c1-12)"
cache_root="${FERRY_CONTROL_PLANE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ferry/control-plane}"
out="$cache_root/v$version-$sources_hash"
bins=(etcd kube-apiserver kube-controller-manager kubectl)

have_all() { for b in "${bins[@]}"; do [[ -x "$out/bin/$b" ]] || return 1; done; }
if have_all; then
  echo "control plane v$version: reusing $out/bin" >&2
  echo "$out/bin"
  exit 0
fi

command -v go >/dev/null || { echo "control plane: Go is needed (apt-get install golang, or see go.dev/doc/install)" >&2; exit 1; }
start=$(date +%s)
say() { echo "control plane v$version: $* ($(( $(date +%s) - start )) s)" >&2; }
say "first build into $out; this takes about 10 minutes on 2 cores, later runs reuse it"

work="$out/src"
rm -rf "$work" && mkdir -p "$work" "$out/bin"
cp -r "$here/go.mod" "$here/cmd" "$work/"
cd "$work"

# The replace list comes from Kubernetes' own go.mod: every module it replaces with a staging
# folder is published on the proxy as v0.<minor>.<patch>.
say "reading k8s.io/kubernetes@v$version's go.mod from the module proxy"
kmod="$(go mod download -json "k8s.io/kubernetes@v$version" | sed -n 's/^\t"GoMod": "\(.*\)",$/\1/p')"
[[ -f "$kmod" ]] || { echo "control plane: could not read the go.mod of k8s.io/kubernetes@v$version" >&2; exit 1; }
edits=(-require="k8s.io/kubernetes@v$version")
while read -r name; do
  edits+=(-replace="$name=$name@v0.$minor_patch")
done < <(sed -n 's#^\t\(k8s.io/[A-Za-z0-9._-]*\) => ./staging/src/.*#\1#p' "$kmod")
(( ${#edits[@]} > 10 )) || { echo "control plane: found no staging replacements in $kmod" >&2; exit 1; }
go mod edit "${edits[@]}"
say "$(( ${#edits[@]} - 1 )) staging modules pinned to v0.$minor_patch; resolving the module graph"
go mod tidy >&2

for b in "${bins[@]}"; do
  say "building $b"
  CGO_ENABLED=0 go build -trimpath -o "$out/bin/$b.tmp" \
    -ldflags "-s -w \
      -X k8s.io/component-base/version.gitVersion=v$version \
      -X k8s.io/component-base/version.gitMajor=${version%%.*} \
      -X k8s.io/component-base/version.gitMinor=${minor_patch%%.*} \
      -X k8s.io/client-go/pkg/version.gitVersion=v$version \
      -X k8s.io/client-go/pkg/version.gitMajor=${version%%.*} \
      -X k8s.io/client-go/pkg/version.gitMinor=${minor_patch%%.*}" \
    "./cmd/$b" >&2
  mv "$out/bin/$b.tmp" "$out/bin/$b"   # a build cut short never looks finished
done
say "built ${bins[*]} in $out/bin"
echo "$out/bin"
