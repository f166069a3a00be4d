"""The integration test world of jitnode: a real Kubernetes control plane (etcd, kube-apiserver,
kube-controller-manager, kube-scheduler, kwok) and EC2 (moto behind a fault-injecting proxy), all
on loopback and all started, watched and torn down by the tests themselves.

Modules:
  procs    -- child processes in their own process groups, bounded readiness waits, log tails,
              teardown on exit, failure and signals
  pki      -- CA, serving and client certificates, service-account keys, kubeconfigs
  kube     -- a small REST client for the apiserver (requests + client certificates)
  cluster  -- the control plane: start/stop, scheduler configurations, RBAC for jitnode
  ec2      -- moto server, the fault proxy and SigV4-signed EC2 Query calls
"""

import os as _os

# Everything here talks to loopback: keep any HTTP(S)_PROXY of the environment away from it, in
# this process and in every component (kube-scheduler honours proxy variables for extender
# calls).
for _var in ("NO_PROXY", "no_proxy"):
    _have = [h for h in _os.environ.get(_var, "").split(",") if h]
    _os.environ[_var] = ",".join(_have + [h for h in ("127.0.0.1", "localhost") if h not in _have])
