package main

import (
	"fmt"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tcpdrop/tcpdrop/internal/netnstest"
)

// -listen prints, per interval, the listeners whose drops grew; a listener
// made after the start counts whole, so the lines add up to its namespace's
// ListenDrops.
func TestListenPrintsOverflowingListener(t *testing.T) {
	netnstest.RequirePrivileges(t)
	ns, quiet := netnstest.New(t), netnstest.New(t)
	inode := strconv.FormatUint(ns.Inode(), 10)
	c := start(t, "-listen", "-interval", "500ms", "-duration", "4s", "-no-stack")
	port, err := ns.ListenBacklog("tcp4", 1)
	require.NoError(t, err)
	quietPort, err := quiet.ListenBacklog("tcp4", 1)
	require.NoError(t, err)
	stop, err := ns.Overflow("tcp4", port, 8)
	require.NoError(t, err)
	time.Sleep(1200 * time.Millisecond) // a retransmit is dropped too
	require.NoError(t, stop())
	stdout, _ := c.wait(t)
	// Read last: a retransmit's drop may still be on its way at stop.
	counters, err := ns.Counters()
	require.NoError(t, err)

	line := regexp.MustCompile(fmt.Sprintf(`(?m)^LISTEN 127\.0\.0\.1:%d netns %s drops (\d+) accept queue (\d+)/1 -$`, port, inode))
	var drops int64
	for _, m := range line.FindAllStringSubmatch(stdout, -1) {
		n, err := strconv.ParseInt(m[1], 10, 64)
		require.NoError(t, err)
		drops += n
		require.Equal(t, "2", m[2], "ss shows 2 of 1")
	}
	require.Positive(t, drops, stdout)
	require.Equal(t, counters["TcpExt:ListenDrops"], drops, stdout)
	require.NotContains(t, stdout, fmt.Sprintf(":%d netns %d ", quietPort, quiet.Inode()), "a listener without drops")
}
