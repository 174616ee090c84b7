package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tcpdrop/tcpdrop/internal/dockertest"
	"github.com/tcpdrop/tcpdrop/internal/netnstest"
)

// -container shows and counts one container's drops: refused connects in
// its namespace, not the same ones in a namespace no container owns.
func TestContainerFilter(t *testing.T) {
	netnstest.RequirePrivileges(t)
	sight := probeSight(t)
	d := dockertest.Start(t)
	name := fmt.Sprintf("tcpdrop-test-%d", os.Getpid())
	c := d.Run(t, d.Image(t), name, "/bin/busybox", "sleep", "600")
	t.Setenv("DOCKER_HOST", d.Endpoint)
	inContainer := netnstest.Join(t, fmt.Sprintf("/proc/%d/ns/net", c.PID))
	unowned := netnstest.New(t)
	_, perConnect := refused(t, sight, "tcp4")

	const n = 20
	cmd := start(t, "-container", name, "-json", "-no-stack", "-duration", "5s")
	for _, ns := range []*netnstest.NS{inContainer, unowned} {
		port, err := ns.FreePort("tcp4")
		require.NoError(t, err)
		require.NoError(t, ns.ConnectClosed("tcp4", port, n))
	}
	stdout, stderr := cmd.wait(t)
	require.Regexp(t, fmt.Sprintf(`^%d TCP drops counted, [1-9]\d* shown`, n*perConnect), stderr)
	dec := json.NewDecoder(strings.NewReader(stdout))
	for dec.More() {
		var e jsonEvent
		require.NoError(t, dec.Decode(&e))
		require.Equal(t, []string{c.ID, name}, []string{e.ContainerID, e.ContainerName})
	}
}
