// Command etcd is upstream etcd's server, built from the Go module proxy at the version that
// Kubernetes' own go.mod pins, so that the control plane needs no downloaded binaries.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
