// Package dockertest gives privileged tests real Docker containers without
// a registry or a network: a daemon (the host's, or one of its own), an
// image imported from local files (busybox and the caller's binaries),
// and containers that have no network but their loopback. Everything it
// makes is removed at the test's cleanup, failed or not.
package dockertest
