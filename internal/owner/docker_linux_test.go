package owner

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tcpdrop/tcpdrop/internal/cgroup2"
	"github.com/tcpdrop/tcpdrop/internal/dockertest"
	"github.com/tcpdrop/tcpdrop/internal/netnsscan"
	"github.com/tcpdrop/tcpdrop/internal/netnstest"
)

// Real Docker containers, a named namespace and a cgroup of the test's
// own, resolved by a resolver with, and without, Docker's API.
func TestResolveDocker(t *testing.T) {
	d := dockertest.Start(t)
	image := d.Image(t)
	name := fmt.Sprintf("tcpdrop-test-%d", time.Now().UnixNano())
	c := d.Run(t, image, name, "/bin/busybox", "sleep", "600")
	web := Container{Runtime: Docker, ID: c.ID, Name: name}
	ref := Ref{Netns: netnsOf(t, c.PID), Cgroup: cgroupOf(t, c.PID)}

	// A namespace ip netns made, and a process in one of its own in a
	// cgroup the test made: no container's.
	named := namedNetns(t)
	rel, cgroup := testCgroup(t)
	_, plain := startInNetns(t, rel)

	log := &countLog{}
	r, err := New(Config{ProcRoot: "/proc", NetnsDir: "/run/netns", DockerEndpoint: d.Endpoint}, log)
	require.NoError(t, err)
	defer r.Close()
	host := r.netns.host
	got := r.Resolve([]Ref{{Netns: ref.Netns}, ref, {Netns: named}, {Cgroup: cgroup, Netns: plain}, {Netns: uint32(host)}})
	require.Equal(t, map[Ref]Owner{
		{Netns: ref.Netns}:             {Cgroup: cgroupPath(t, c.PID), Container: web},
		ref:                            {Cgroup: cgroupPath(t, c.PID), Container: web},
		{Netns: named}:                 {},
		{Cgroup: cgroup, Netns: plain}: {Cgroup: rel},
		{Netns: uint32(host)}:          {},
	}, got)
	require.True(t, strings.HasSuffix(got[ref].Cgroup, "docker/"+c.ID), got[ref].Cgroup)
	log.take()

	// A container started afterwards: one rescan, one rebuild, one listing.
	later := d.Run(t, image, name+"-later", "/bin/busybox", "sleep", "600")
	laterRef := Ref{Netns: netnsOf(t, later.PID), Cgroup: cgroupOf(t, later.PID)}
	got = r.Resolve([]Ref{laterRef, {Netns: laterRef.Netns}})
	want := Container{Runtime: Docker, ID: later.ID, Name: later.Name}
	require.Equal(t, want, got[laterRef].Container)
	require.Equal(t, want, got[Ref{Netns: laterRef.Netns}].Container)
	require.Equal(t, map[string]int{"cgroups": 1, "network namespaces": 1, "container names": 1}, log.take())
	// Root may yet be refused some namespaces (here PID 1's).
	require.NotContains(t, fmt.Sprint(r.Missing()), "Docker")
	require.NotContains(t, fmt.Sprint(r.Missing()), "needs CAP_SYS_PTRACE")

	// Without Docker's API the ID remains, and Missing says why.
	off, err := New(Config{ProcRoot: "/proc", DockerEndpoint: "unix://" + filepath.Join(t.TempDir(), "docker.sock")}, &countLog{})
	require.NoError(t, err)
	defer off.Close()
	got = off.Resolve([]Ref{ref})
	require.Equal(t, Container{Runtime: Docker, ID: c.ID}, got[ref].Container)
	require.Contains(t, fmt.Sprint(off.Missing()), "Docker containers are named by ID only")

	// User nobody, even with CAP_SYS_PTRACE, is refused the socket.
	helper := netnstest.SharedTestBinary(t, "owner.test")
	seen := resolveAs(t, helper, ",+sys_ptrace", ref, c.PID, d.Endpoint)
	require.Equal(t, Owner{Cgroup: got[ref].Cgroup, Container: Container{Runtime: Docker, ID: c.ID}}, seen.ByCgroup)
	require.Contains(t, fmt.Sprint(seen.Missing), "its socket needs root or the docker group")
}

// netnsOf is a process's network namespace.
func netnsOf(t testing.TB, pid int) uint32 {
	t.Helper()
	ino, err := netnsscan.Inode(fmt.Sprintf("/proc/%d/ns/net", pid))
	require.NoError(t, err)
	return uint32(ino)
}

// cgroupPath is a process's cgroup v2 path, relative to the root.
func cgroupPath(t testing.TB, pid int) string {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/cgroup", pid))
	require.NoError(t, err)
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if path, ok := strings.CutPrefix(s.Text(), "0::/"); ok {
			return path
		}
	}
	require.NoError(t, s.Err())
	t.Fatalf("process %d has no cgroup v2 line", pid)
	return ""
}

// cgroupOf is a process's cgroup v2 ID: its directory's inode.
func cgroupOf(t testing.TB, pid int) uint64 {
	t.Helper()
	root, err := cgroup2.Find()
	require.NoError(t, err)
	ino, err := netnsscan.Inode(filepath.Join(root, cgroupPath(t, pid)))
	require.NoError(t, err)
	return ino
}

// namedNetns makes a namespace with ip netns, deleted at cleanup.
func namedNetns(t *testing.T) uint32 {
	t.Helper()
	name := fmt.Sprintf("tcpdrop-test-%d", time.Now().UnixNano())
	out, err := exec.Command("ip", "netns", "add", name).CombinedOutput()
	require.NoError(t, err, "%s", out)
	t.Cleanup(func() {
		out, err := exec.Command("ip", "netns", "delete", name).CombinedOutput()
		require.NoError(t, err, "%s", out)
	})
	ino, err := netnsscan.Inode(filepath.Join("/run/netns", name))
	require.NoError(t, err)
	return uint32(ino)
}
