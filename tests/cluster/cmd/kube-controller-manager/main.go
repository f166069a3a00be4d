// Command kube-controller-manager is the upstream kube-controller-manager of the pinned Kubernetes release, built as a
// library from k8s.io/kubernetes so that the integration tests run the real component.
package main

import (
	"os"
	_ "time/tzdata" // time zones without a system tzdata, as the upstream main does

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"          // accepts --logging-format=json
	_ "k8s.io/component-base/metrics/prometheus/clientgo" // client-go metrics, as upstream
	_ "k8s.io/component-base/metrics/prometheus/version"  // version metric, as upstream
	"k8s.io/kubernetes/cmd/kube-controller-manager/app"
)

func main() {
	os.Exit(cli.Run(app.NewControllerManagerCommand()))
}
