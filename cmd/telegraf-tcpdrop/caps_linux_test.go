package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/tcpdrop/tcpdrop/internal/mainexec"
	"github.com/tcpdrop/tcpdrop/internal/netnstest"
)

// documentedCaps are the capabilities the README gives a non-root plugin,
// as setpriv adds them.
const documentedCaps = ",+bpf,+perfmon,+syslog"

// As user nobody with only the documented capabilities, ambient as
// systemd's AmbientCapabilities= sets them, the plugin counts exactly:
// closed-port drops, and drops on an established connection with its
// state and port, on every kernel of the matrix (before 5.18 these come
// from sk_drops through the receive hooks, which need no more).
func TestShimCountsWithOnlyTheDocumentedCapabilities(t *testing.T) {
	s := startAsNobody(t, `[[inputs.tcpdrop]]
  group_by = ["state", "local_port", "netns"]
`)

	ns, netns, after := s.newNS(t)

	port, err := ns.FreePort("tcp4")
	require.NoError(t, err)
	conn, err := ns.Established("tcp4")
	require.NoError(t, err)
	const n = 100
	require.NoError(t, ns.ConnectClosed("tcp4", port, n))
	// Far outside the receive window: each is dropped, the connection stays.
	require.NoError(t, ns.SendRaw(conn.ToServer(netnstest.RST, 0x7fff0000), n))

	// Where fentry cannot attach (arm64 before 6.4) the probe knows no
	// socket of a received packet: the drops are then the port's, in NONE.
	state := "ESTABLISHED"
	if probeTags(t, s.lines(false))["state_from"] == "skb" {
		state = "NONE"
	}
	closed := "local_port=" + strconv.Itoa(int(port)) + ",state=NONE"
	established := "local_port=" + strconv.Itoa(int(conn.ServerPort)) + ",state=" + state
	require.Eventually(t, func() bool {
		got, _ := netnsDrops(t, s.lines(false), netns, after)
		return got[closed] >= n && got[established] >= n
	}, 30*time.Second, 50*time.Millisecond, "%v", s.lines(false))
	time.Sleep(500 * time.Millisecond) // two more windows: nothing may follow
	got, _ := netnsDrops(t, s.lines(false), netns, after)
	require.Equal(t, int64(n), got[closed])
	require.Equal(t, int64(n), got[established])
	for _, l := range s.lines(true) {
		require.NotRegexp(t, `^E! `, l)
	}
}

// A socket's cgroup needs no capability beyond the documented ones: the
// cgroup tree is world-readable. The container of a drop without a socket
// is found from the processes in its namespace, whose namespaces only
// CAP_SYS_PTRACE shows for other users' processes: without it the plugin
// says so once, and counts those drops without an owner.
func TestShimOwnersWithOnlyTheDocumentedCapabilities(t *testing.T) {
	s := startAsNobody(t, `[[inputs.tcpdrop]]
  group_by = ["state", "netns", "cgroup", "container"]
  docker_endpoint = ""
`)
	ns, netns, after := s.newNS(t)
	cg := netnstest.NewCgroup(t)
	var conn *netnstest.Conn
	require.NoError(t, cg.Run(func() (err error) {
		conn, err = ns.Established("tcp4")
		return err
	}))
	port, err := ns.FreePort("tcp4")
	require.NoError(t, err)
	const n = 100
	require.NoError(t, ns.ConnectClosed("tcp4", port, n))
	require.NoError(t, ns.SendRaw(conn.ToServer(netnstest.RST, 0x7fff0000), n))

	// Closed-port drops have no socket, and their namespace no container.
	closed, established := "state=NONE", "cgroup="+cg.Path+",state=ESTABLISHED"
	wantClosed := int64(n)
	if probeTags(t, s.lines(false))["state_from"] == "skb" {
		established, wantClosed = "", 2*n // no socket known on receive
	}
	require.Eventually(t, func() bool {
		got, _ := netnsDrops(t, s.lines(false), netns, after)
		return got[closed] >= wantClosed && (established == "" || got[established] >= n)
	}, 30*time.Second, 50*time.Millisecond, "%v", s.lines(false))
	time.Sleep(500 * time.Millisecond) // two more windows: nothing may follow
	got, _ := netnsDrops(t, s.lines(false), netns, after)
	require.Equal(t, wantClosed, got[closed])
	if established != "" {
		require.Equal(t, int64(n), got[established])
	}
	for series := range got {
		require.NotContains(t, series, "container", "no container owns the namespace")
	}

	var warned []string
	for _, l := range s.lines(true) {
		require.NotRegexp(t, `^E! `, l)
		if strings.HasPrefix(l, "W! ") && strings.Contains(l, "owners") {
			warned = append(warned, l)
		}
	}
	require.Len(t, warned, 1, "one warning about owners")
	t.Log(warned[0])
	require.Contains(t, warned[0], "CAP_SYS_PTRACE", "what would show them")
}

// startAsNobody runs the shim with conf as user nobody with only the
// documented capabilities, ambient as systemd's AmbientCapabilities= sets
// them, and waits until it counts.
func startAsNobody(t *testing.T, conf string) *shimProcess {
	t.Helper()
	netnstest.RequirePrivileges(t)
	// Kernels before 5.11 charge BPF memory to RLIMIT_MEMLOCK: a service
	// gets it from LimitMEMLOCK=infinity, as the child gets it from here.
	if !netnstest.KernelAtLeast(t, 5, 11) {
		var old unix.Rlimit
		require.NoError(t, unix.Getrlimit(unix.RLIMIT_MEMLOCK, &old))
		inf := unix.Rlimit{Cur: unix.RLIM_INFINITY, Max: unix.RLIM_INFINITY}
		require.NoError(t, unix.Setrlimit(unix.RLIMIT_MEMLOCK, &inf))
		t.Cleanup(func() { _ = unix.Setrlimit(unix.RLIMIT_MEMLOCK, &old) })
	}
	// The test binary is the plugin (mainexec): a copy nobody may run.
	bin := netnstest.SharedTestBinary(t, "tcpdrop.test")
	t.Setenv(mainexec.ExecutableEnv, bin)
	path := filepath.Join(filepath.Dir(bin), "tcpdrop.conf")
	require.NoError(t, os.WriteFile(path, []byte(conf), 0o644))
	s := startShim(t, netnstest.AsUser(t, "65534", "65534", documentedCaps), "-config", path, "-poll_interval", "200ms")
	s.waitStderr(t, "I! Counting TCP drops at skb:kfree_skb via ")
	return s
}

// probeTags are the tags of the first tcpdrop_probe line printed.
func probeTags(t *testing.T, lines []string) map[string]string {
	t.Helper()
	for _, p := range points(t, lines) {
		if p.name == "tcpdrop_probe" {
			return p.tags
		}
	}
	require.Fail(t, "no tcpdrop_probe line")
	return nil
}
