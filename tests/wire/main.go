// Command wire posts extender/v1 requests, marshalled from the real Go types, to a running
// jitnode extender and decodes every answer into the real Go types. It prints TAP.
//
// Usage: wire http://127.0.0.1:PORT
// The extender must be backed by the fixed cluster of tests/unit/extender/wire_server.c:
// node "n-ok" (4 cpu, 8Gi, 1 cpu and 2Gi requested) and node "n-marked" (being removed).
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"reflect"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	extenderv1 "k8s.io/kube-scheduler/extender/v1"
)

var (
	checks int
	failed int
)

func check(ok bool, format string, args ...any) {
	checks++
	if ok {
		fmt.Printf("ok %d - %s\n", checks, fmt.Sprintf(format, args...))
		return
	}
	failed++
	fmt.Printf("not ok %d - %s\n", checks, fmt.Sprintf(format, args...))
}

// post sends v as the scheduler does (json.Marshal, Content-Type application/json) and returns
// the HTTP status and body.
func post(base, verb string, v any) (int, []byte) {
	body, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Post(base+"/"+verb, "application/json", bytes.NewReader(body))
	if err != nil {
		return 0, []byte(err.Error())
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

// strictKeys reports every object key in raw that is not the exact name of a field of t (the
// scheduler's decoder is case-insensitive; jitnode must still write the canonical spelling).
func strictKeys(raw []byte, t reflect.Type) []string {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return []string{"not an object: " + err.Error()}
	}
	fields := map[string]bool{}
	for i := 0; i < t.NumField(); i++ {
		fields[t.Field(i).Name] = true
	}
	var bad []string
	for k := range m {
		if !fields[k] {
			bad = append(bad, k)
		}
	}
	for f := range fields {
		if _, ok := m[f]; !ok {
			bad = append(bad, "missing "+f)
		}
	}
	return bad
}

func decodeStrict(raw []byte, out any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	return dec.Decode(out)
}

func pod() *v1.Pod {
	return &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web-1", Namespace: "shop", UID: types.UID("u-1")},
		Spec: v1.PodSpec{Containers: []v1.Container{{
			Name: "c",
			Resources: v1.ResourceRequirements{Requests: v1.ResourceList{
				v1.ResourceCPU:    resource.MustParse("1"),
				v1.ResourceMemory: resource.MustParse("2Gi"),
			}},
		}}},
	}
}

func node(name string, removing bool) v1.Node {
	n := v1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}}
	n.Status.Allocatable = v1.ResourceList{
		v1.ResourceCPU: resource.MustParse("4"), v1.ResourceMemory: resource.MustParse("8Gi"),
	}
	if removing {
		n.Spec.Taints = []v1.Taint{{Key: "jitnode.io/disrupted", Effect: v1.TaintEffectNoSchedule}}
	}
	return n
}

func filterByNames(base string) {
	names := []string{"n-ok", "n-marked"}
	status, raw := post(base, "filter", extenderv1.ExtenderArgs{Pod: pod(), NodeNames: &names})
	check(status == 200, "filter (NodeNames) answers 200, got %d", status)
	var res extenderv1.ExtenderFilterResult
	check(decodeStrict(raw, &res) == nil, "filter answer decodes strictly into ExtenderFilterResult: %s", raw)
	bad := strictKeys(raw, reflect.TypeOf(res))
	check(len(bad) == 0, "filter answer has exactly the PascalCase keys of ExtenderFilterResult %v", bad)
	check(res.Nodes == nil, "filter by names answers Nodes null")
	check(res.NodeNames != nil && reflect.DeepEqual(*res.NodeNames, []string{"n-ok"}),
		"filter keeps n-ok only, got %v", res.NodeNames)
	_, unresolvable := res.FailedAndUnresolvableNodes["n-marked"]
	check(unresolvable, "n-marked is in FailedAndUnresolvableNodes: %v", res.FailedAndUnresolvableNodes)
	check(res.Error == "", "filter Error is empty, got %q", res.Error)
}

func filterByNodes(base string) {
	list := &v1.NodeList{Items: []v1.Node{node("a", false), node("b", true)}}
	status, raw := post(base, "filter", extenderv1.ExtenderArgs{Pod: pod(), Nodes: list})
	check(status == 200, "filter (Nodes) answers 200, got %d", status)
	var res extenderv1.ExtenderFilterResult
	check(decodeStrict(raw, &res) == nil, "filter (Nodes) answer decodes strictly: %s", raw)
	check(res.NodeNames == nil, "filter by Nodes answers NodeNames null")
	check(res.Nodes != nil && len(res.Nodes.Items) == 1 && res.Nodes.Items[0].Name == "a",
		"filter keeps node a whole, got %v", res.Nodes)
	check(res.Nodes != nil && len(res.Nodes.Items) == 1 &&
		res.Nodes.Items[0].Status.Allocatable.Cpu().String() == "4",
		"the kept Node object round-trips (allocatable cpu 4)")
	_, unresolvable := res.FailedAndUnresolvableNodes["b"]
	check(unresolvable, "tainted node b is unresolvable")
}

func filterMalformed(base string) {
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Post(base+"/filter", "application/json", bytes.NewReader([]byte("{\"Pod\":")))
	if err != nil {
		check(false, "malformed filter request answered: %v", err)
		return
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var res extenderv1.ExtenderFilterResult
	check(resp.StatusCode == 200, "malformed filter answers 200 (errors travel in the body)")
	check(decodeStrict(raw, &res) == nil && res.Error != "",
		"malformed filter answer carries Error: %q", res.Error)
}

func prioritize(base string) {
	names := []string{"n-ok", "n-marked"}
	status, raw := post(base, "prioritize", extenderv1.ExtenderArgs{Pod: pod(), NodeNames: &names})
	check(status == 200, "prioritize answers 200, got %d", status)
	var res extenderv1.HostPriorityList
	check(decodeStrict(raw, &res) == nil, "prioritize answer decodes strictly into HostPriorityList: %s", raw)
	want := extenderv1.HostPriorityList{{Host: "n-ok", Score: 5}, {Host: "n-marked", Score: 0}}
	check(reflect.DeepEqual(res, want), "scores are %v, got %v", want, res)
	for _, hp := range res {
		check(hp.Score >= extenderv1.MinExtenderPriority && hp.Score <= extenderv1.MaxExtenderPriority,
			"score of %s within [%d, %d]", hp.Host, extenderv1.MinExtenderPriority, extenderv1.MaxExtenderPriority)
	}
}

func bind(base string) {
	args := extenderv1.ExtenderBindingArgs{PodName: "web-1", PodNamespace: "shop", PodUID: "u-1", Node: "n-ok"}
	status, raw := post(base, "bind", args)
	check(status == 200, "bind answers 200, got %d", status)
	var res extenderv1.ExtenderBindingResult
	check(decodeStrict(raw, &res) == nil, "bind answer decodes strictly into ExtenderBindingResult: %s", raw)
	check(len(strictKeys(raw, reflect.TypeOf(res))) == 0, "bind answer has exactly the key Error")
	check(res.Error == "", "bind succeeded, got %q", res.Error)
	args.PodUID = "conflict"
	_, raw = post(base, "bind", args)
	res = extenderv1.ExtenderBindingResult{}
	check(decodeStrict(raw, &res) == nil && res.Error != "", "a conflicting bind carries Error: %q", res.Error)
}

func preempt(base string) {
	args := extenderv1.ExtenderPreemptionArgs{
		Pod: pod(),
		NodeNameToMetaVictims: map[string]*extenderv1.MetaVictims{
			"n-ok":     {Pods: []*extenderv1.MetaPod{{UID: "v1"}}, NumPDBViolations: 1},
			"n-marked": {Pods: []*extenderv1.MetaPod{{UID: "v2"}}},
		},
	}
	status, raw := post(base, "preempt", args)
	check(status == 200, "preempt answers 200, got %d", status)
	var res extenderv1.ExtenderPreemptionResult
	check(decodeStrict(raw, &res) == nil, "preempt answer decodes strictly into ExtenderPreemptionResult: %s", raw)
	check(len(strictKeys(raw, reflect.TypeOf(res))) == 0, "preempt answer has exactly NodeNameToMetaVictims")
	v, ok := res.NodeNameToMetaVictims["n-ok"]
	check(ok && len(v.Pods) == 1 && v.Pods[0].UID == "v1" && v.NumPDBViolations == 1,
		"n-ok keeps its victim v1 with 1 PDB violation")
	_, marked := res.NodeNameToMetaVictims["n-marked"]
	check(!marked, "n-marked is dropped from the candidates")

	full := extenderv1.ExtenderPreemptionArgs{
		Pod: pod(),
		NodeNameToVictims: map[string]*extenderv1.Victims{
			"n-ok": {Pods: []*v1.Pod{{ObjectMeta: metav1.ObjectMeta{Name: "low", UID: "v9"}}}},
		},
	}
	_, raw = post(base, "preempt", full)
	res = extenderv1.ExtenderPreemptionResult{}
	check(decodeStrict(raw, &res) == nil && res.NodeNameToMetaVictims["n-ok"] != nil &&
		len(res.NodeNameToMetaVictims["n-ok"].Pods) == 1 &&
		res.NodeNameToMetaVictims["n-ok"].Pods[0].UID == "v9",
		"full victims come back in the Meta form: %s", raw)
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: wire http://127.0.0.1:PORT")
		os.Exit(2)
	}
	base := os.Args[1]
	filterByNames(base)
	filterByNodes(base)
	filterMalformed(base)
	prioritize(base)
	bind(base)
	preempt(base)
	fmt.Printf("1..%d\n", checks)
	if failed > 0 {
		os.Exit(1)
	}
}
