// The control plane's wrapper module. build.sh copies it into the build cache, adds
// k8s.io/kubernetes at the version in VERSION and the replace list generated from that
// version's own go.mod, then builds the three commands there; nothing is built in the repository.
module ferry.dev/tools/control-plane

go 1.26.0
