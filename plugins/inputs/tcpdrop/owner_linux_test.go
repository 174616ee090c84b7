package tcpdrop

import (
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/influxdata/telegraf"
	"github.com/stretchr/testify/require"

	"github.com/tcpdrop/tcpdrop/internal/dockertest"
	"github.com/tcpdrop/tcpdrop/internal/netnstest"
	"github.com/tcpdrop/tcpdrop/internal/probe"
)

// A service's drops carry its cgroup: here a cgroup the test makes, as
// systemd makes one per unit, whose process owns the dropping socket.
func TestCgroupOfAService(t *testing.T) {
	netnstest.RequirePrivileges(t)
	p := startPlugin(t, probe.ModeAuto, func(p *TCPDrop) {
		p.GroupBy = []string{"reason", "state", "flags", "frame", "netns", "cgroup"}
	})
	sight := probeSight(t, p)
	ns := p.newNS(t)
	cg := netnstest.NewCgroup(t)
	sc := netnstest.ScenarioNamed(t, "established data out of window")
	var cause func() error
	require.NoError(t, cg.Run(func() (err error) {
		cause, err = sc.Prepare(t, ns)
		return err
	}))
	require.NoError(t, cause())

	want := map[string]uint64{cg.Path: sc.Drops[0].Count}
	if seen, _ := sight.Sees(sc.Drops[0]); seen.State == "NONE" {
		// Neither rx_sk nor a receive hook: the socket is not known.
		want = map[string]uint64{"": sc.Drops[0].Count}
	}
	got := map[string]uint64{}
	for _, s := range collect(t, p, ns, sc.Drops[0].Count) {
		got[s.tags["cgroup"]] += s.drops
	}
	require.Equal(t, want, got)
}

// With group_by as the README shows it for containers, the drops of a
// Docker container, started from a locally imported image with no network
// but its loopback, carry its ID and name: connects to a closed port in its
// namespace (no socket: the namespace names it) and segments its own
// process's established socket drops (the socket's cgroup names it). The
// same connects in a namespace no container owns carry no container tags:
// the container's tagged drops are exactly its own. Without Docker's API
// the ID remains.
func TestContainerOfDrops(t *testing.T) {
	netnstest.RequirePrivileges(t)
	d := dockertest.Start(t)
	image := d.Image(t)
	for i, endpoint := range []string{d.Endpoint, "unix:///nonexistent/docker.sock"} {
		t.Run(map[int]string{0: "docker api", 1: "no docker api"}[i], func(t *testing.T) {
			// nc serves one connection, for as long as its input is open.
			name := fmt.Sprintf("tcpdrop-test-%d-%d", os.Getpid(), i)
			c := d.Run(t, image, name, "/bin/busybox", "sh", "-c", "/bin/busybox sleep 600 | /bin/busybox nc -l -p 8080")
			p := startPlugin(t, probe.ModeAuto, func(p *TCPDrop) {
				p.GroupBy = []string{"reason", "state", "flags", "frame", "container"}
				p.DockerEndpoint = endpoint
			})
			wantName := name
			if endpoint != d.Endpoint {
				wantName = ""
			}
			testContainerOfDrops(t, p, c, wantName)
		})
	}
	t.Run("listener", func(t *testing.T) {
		c := d.Run(t, image, fmt.Sprintf("tcpdrop-test-%d-listen", os.Getpid()), "/bin/busybox", "sleep", "600")
		p := startPlugin(t, probe.ModeAuto, func(p *TCPDrop) {
			p.GroupBy = []string{"reason", "container"}
			p.DockerEndpoint = d.Endpoint
		})
		testContainerOfListener(t, p, c)
	})
}

// A listener that overflows in a container's namespace is the container's
// in tcpdrop_listen and tcpdrop_netns.
func testContainerOfListener(t *testing.T, p plugin, c dockertest.Container) {
	ns := netnstest.Join(t, fmt.Sprintf("/proc/%d/ns/net", c.PID))
	port, err := ns.ListenBacklog("tcp4", 1)
	require.NoError(t, err)
	require.NoError(t, p.Gather(p.acc)) // the namespace's first window
	p.acc.ClearMetrics()
	_, err = ns.Overflow("tcp4", port, 8)
	require.NoError(t, err)
	require.NoError(t, p.Gather(p.acc))
	container := map[string]string{"container_id": c.ID, "container_name": c.Name}
	netns := strconv.FormatUint(ns.Inode(), 10)
	var lines int
	for _, m := range p.acc.GetTelegrafMetrics() {
		if (m.Name() == "tcpdrop_listen" && m.Tags()["port"] == strconv.Itoa(int(port))) ||
			(m.Name() == "tcpdrop_netns" && m.Tags()["netns"] == netns) {
			lines++
			require.Subset(t, m.Tags(), container, "%s %v", m.Name(), m.Tags())
		}
	}
	require.Equal(t, 2, lines, "a tcpdrop_listen and a tcpdrop_netns line")
}

func testContainerOfDrops(t *testing.T, p plugin, c dockertest.Container, name string) {
	sight := probeSight(t, p)
	inContainer := netnstest.Join(t, fmt.Sprintf("/proc/%d/ns/net", c.PID))
	unowned := p.newNS(t)
	const n = 100
	want := map[string]uint64{}
	for _, ns := range []*netnstest.NS{inContainer, unowned} {
		require.NoError(t, ns.ConnectClosed("tcp4", freePort(t, ns, "tcp4"), n))
	}
	for _, dr := range netnstest.ScenarioNamed(t, "closed port ipv4").Drops {
		if dr, where := sight.Sees(dr); where == netnstest.OwnNetns {
			want[key(dr.Reason, dr.State, dr.Flags, dr.Frame, "")] += n
		}
	}
	{ // the established drops, on nc's socket
		conn, err := inContainer.Dial("tcp4", 8080)
		require.NoError(t, err)
		seq, err := conn.ServerSeq()
		require.NoError(t, err)
		require.NoError(t, inContainer.SendRaw(conn.OutOfWindowData(seq), n))
		dr, where := sight.Sees(netnstest.ScenarioNamed(t, "established data out of window").Drops[0])
		require.Equal(t, netnstest.OwnNetns, where)
		want[key(dr.Reason, dr.State, dr.Flags, dr.Frame, "")] += n
	}
	var total uint64
	for _, v := range want {
		total += v
	}
	got := collectBy(t, p, "container_id", map[string]uint64{c.ID: total})[c.ID]
	require.Equal(t, want, byKey(got))
	for _, s := range got {
		require.Equal(t, name, s.tags["container_name"], "%v", s.tags)
		require.NotContains(t, s.tags, "pod_uid")
	}

	// Its sampled stacks are tagged with it too.
	require.NoError(t, inContainer.ConnectClosed("tcp4", freePort(t, inContainer, "tcp4"), n))
	var stacks []telegraf.Metric
	for deadline := time.Now().Add(10 * time.Second); len(stacks) == 0 && time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
		p.acc.ClearMetrics()
		require.NoError(t, p.Gather(p.acc))
		for _, m := range measurements(p.acc.GetTelegrafMetrics(), "tcpdrop_stack") {
			if m.Tags()["container_id"] == c.ID {
				stacks = append(stacks, m)
			}
		}
	}
	require.NotEmpty(t, stacks, "a tcpdrop_stack line of the container")
	for _, m := range stacks {
		require.Equal(t, name, m.Tags()["container_name"], "%v", m.Tags())
	}
}
