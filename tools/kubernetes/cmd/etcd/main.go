// etcd, the store of the local regions' API servers: the server release that
// k8s.io/kubernetes itself tests against, built in this module so it shares its packages
// (gRPC, the etcd client) with kube-apiserver's build.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
