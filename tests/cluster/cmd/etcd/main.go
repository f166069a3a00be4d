// Command etcd runs a single-member etcd server from go.etcd.io/etcd/server/v3/embed, the
// version k8s.io/kubernetes itself pins, for one test cluster on loopback.
//
// Usage: etcd --data-dir DIR --client-url http://127.0.0.1:P1 --peer-url http://127.0.0.1:P2
//
// It prints "etcd ready <client-url>" once it serves clients, and stops cleanly on SIGTERM or
// SIGINT. Durability is traded for speed (no fsync): the data dies with the test anyway.
package main

import (
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
)

func parseURL(flagName, raw string) url.URL {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		fmt.Fprintf(os.Stderr, "etcd: invalid --%s %q\n", flagName, raw)
		os.Exit(2)
	}
	return *u
}

func main() {
	dataDir := flag.String("data-dir", "", "directory of the member's data (required)")
	clientURL := flag.String("client-url", "http://127.0.0.1:2379", "URL clients connect to")
	peerURL := flag.String("peer-url", "http://127.0.0.1:2380", "URL of the (only) peer listener")
	readyTimeout := flag.Duration("ready-timeout", 60*time.Second, "how long to wait for the server to be ready")
	flag.Parse()
	if *dataDir == "" {
		fmt.Fprintln(os.Stderr, "etcd: --data-dir is required")
		os.Exit(2)
	}

	cfg := embed.NewConfig()
	cfg.Name = "jitnode-test"
	cfg.Dir = *dataDir
	client := parseURL("client-url", *clientURL)
	peer := parseURL("peer-url", *peerURL)
	cfg.ListenClientUrls = []url.URL{client}
	cfg.AdvertiseClientUrls = []url.URL{client}
	cfg.ListenPeerUrls = []url.URL{peer}
	cfg.AdvertisePeerUrls = []url.URL{peer}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	cfg.UnsafeNoFsync = true
	cfg.LogLevel = "warn"
	// NewConfig leaves this at 0, which logs every request as "expensive"; use etcd's own
	// command-line default so the log shows only really slow requests.
	cfg.WarningUnaryRequestDuration = embed.DefaultWarningUnaryRequestDuration

	e, err := embed.StartEtcd(cfg)
	if err != nil {
		fmt.Fprintf(os.Stderr, "etcd: cannot start in %q: %v\n", *dataDir, err)
		os.Exit(1)
	}
	select {
	case <-e.Server.ReadyNotify():
		fmt.Printf("etcd ready %s\n", client.String())
	case <-time.After(*readyTimeout):
		fmt.Fprintf(os.Stderr, "etcd: not ready after %s\n", *readyTimeout)
		e.Close()
		os.Exit(1)
	}

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	select {
	case s := <-signals:
		fmt.Printf("etcd stopping on %s\n", s)
		e.Close()
	case err := <-e.Err():
		fmt.Fprintf(os.Stderr, "etcd: server failed: %v\n", err)
		e.Close()
		os.Exit(1)
	}
}
