package main

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tcpdrop/tcpdrop/internal/netnstest"
)

// As root with the default configuration, a listener that overflows in a
// namespace made after the start has tcpdrop_listen lines tagged with the
// namespace and port, whose drops sum to the namespace's ListenDrops
// (counted whole: the namespace is new).
func TestShimReportsOverflowingListener(t *testing.T) {
	netnstest.RequirePrivileges(t)
	s := startShim(t, nil, "-poll_interval", "2s")
	s.waitStderr(t, "I! Counting TCP drops at skb:kfree_skb via ")

	ns := netnstest.New(t)
	port, err := ns.ListenBacklog("tcp4", 1)
	require.NoError(t, err)
	stop, err := ns.Overflow("tcp4", port, 8)
	require.NoError(t, err)
	// Let a retransmit or two be dropped too, then end them.
	time.Sleep(1500 * time.Millisecond)
	require.NoError(t, stop())

	// The namespace's count is read anew each time: a retransmit's drop may
	// still be on its way at stop.
	netns := strconv.FormatUint(ns.Inode(), 10)
	listenDropsNow := func() int64 {
		c, err := ns.Counters()
		require.NoError(t, err)
		return c["TcpExt:ListenDrops"]
	}
	require.Positive(t, listenDropsNow())
	for deadline := time.Now().Add(20 * time.Second); listenDrops(t, s.lines(false), netns, port) < listenDropsNow(); {
		require.True(t, time.Now().Before(deadline), "tcpdrop_listen drops of netns %s port %d", netns, port)
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(2500 * time.Millisecond) // one more window: nothing may follow
	require.Equal(t, listenDropsNow(), listenDrops(t, s.lines(false), netns, port))
}

// listenDrops sums the drops of the tcpdrop_listen lines of netns and port.
func listenDrops(t *testing.T, lines []string, netns string, port uint16) int64 {
	t.Helper()
	var sum int64
	for _, p := range points(t, lines) {
		if p.name == "tcpdrop_listen" && p.tags["netns"] == netns && p.tags["port"] == strconv.Itoa(int(port)) {
			n, ok := p.fields["drops"].(int64)
			require.True(t, ok, "drops %v", p.fields["drops"])
			sum += n
		}
	}
	return sum
}
