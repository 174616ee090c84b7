package owner

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tcpdrop/tcpdrop/internal/cgroup2"
	"github.com/tcpdrop/tcpdrop/internal/netnsscan"
	"github.com/tcpdrop/tcpdrop/internal/netnstest"
)

// helperEnv makes the test binary resolve two refs and print what it got,
// instead of running the tests: "netns cgroupID pid endpoint" (endpoint
// "-" for none).
const helperEnv = "OWNER_RESOLVE_HELPER"

func TestMain(m *testing.M) {
	if args := os.Getenv(helperEnv); args != "" {
		os.Exit(resolveHelper(args))
	}
	os.Exit(m.Run())
}

// resolved is what the helper prints.
type resolved struct {
	ByNetns, ByCgroup Owner
	// ProcCgroup says /proc/PID/cgroup of the process could be read.
	ProcCgroup bool
	Missing    []string
}

func resolveHelper(args string) int {
	var netns uint32
	var cgroup uint64
	var pid int
	var endpoint string
	if _, err := fmt.Sscan(args, &netns, &cgroup, &pid, &endpoint); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	cfg := Config{ProcRoot: "/proc"}
	if endpoint != "-" {
		cfg.DockerEndpoint = endpoint
	}
	r, err := New(cfg, &countLog{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer r.Close()
	byNetns, byCgroup := Ref{Netns: netns}, Ref{Cgroup: cgroup}
	got := r.Resolve([]Ref{byNetns, byCgroup})
	_, err = os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cgroup"))
	out := resolved{ByNetns: got[byNetns], ByCgroup: got[byCgroup], ProcCgroup: err == nil, Missing: r.Missing()}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		return 1
	}
	return 0
}

// What a resolver running as user nobody sees of a root process in a
// container's cgroup and a namespace of its own, by its capabilities:
// reading the process's namespace takes CAP_SYS_PTRACE; its cgroup's path
// (the cgroup2 tree) and /proc/PID/cgroup take nothing.
func TestPrivileges(t *testing.T) {
	netnstest.RequirePrivileges(t)
	helper := netnstest.SharedTestBinary(t, "owner.test")

	cid := hexID(int(time.Now().UnixNano()))
	rel, cgroup := testCgroup(t, "docker", cid)
	pid, netns := startInNetns(t, rel)
	want := Owner{Cgroup: rel, Container: Container{Runtime: Docker, ID: cid}}

	for _, tc := range []struct {
		name, caps string
		byNetns    Owner
		missing    bool
	}{
		{name: "no capabilities", missing: true},
		{name: "CAP_SYS_PTRACE", caps: ",+sys_ptrace", byNetns: want},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := resolveAs(t, helper, tc.caps, Ref{Netns: netns, Cgroup: cgroup}, pid, "-")
			t.Logf("Missing: %q", got.Missing)
			require.True(t, got.ProcCgroup, "/proc/PID/cgroup is world-readable")
			require.Equal(t, want, got.ByCgroup, "the cgroup2 tree is world-readable")
			require.Equal(t, tc.byNetns, got.ByNetns)
			// A process may refuse even CAP_SYS_PTRACE (a security
			// module): only the advice to get the capability is certain.
			const advice = "/proc/PID/ns/net of another user's process needs CAP_SYS_PTRACE"
			if tc.missing {
				require.Contains(t, fmt.Sprint(got.Missing), advice)
			} else {
				require.NotContains(t, fmt.Sprint(got.Missing), advice)
			}
		})
	}
}

// resolveAs runs the helper as user nobody with capabilities caps.
func resolveAs(t *testing.T, helper, caps string, ref Ref, pid int, endpoint string) resolved {
	t.Helper()
	var got resolved
	netnstest.RunJSON(t, append(netnstest.AsUser(t, "65534", "65534", caps), helper),
		fmt.Sprintf("%s=%d %d %d %s", helperEnv, ref.Netns, ref.Cgroup, pid, endpoint), &got)
	return got
}

// testCgroup makes a cgroup with netnstest and, if elem are given, one
// below it (removed first at cleanup); it returns the cgroup's path
// relative to the cgroup2 root and its ID.
func testCgroup(t *testing.T, elem ...string) (string, uint64) {
	t.Helper()
	base := netnstest.NewCgroup(t)
	if len(elem) == 0 {
		return base.Path, base.ID
	}
	root, err := cgroup2.Find()
	require.NoError(t, err)
	rel := filepath.Join(append([]string{base.Path}, elem...)...)
	require.NoError(t, os.MkdirAll(filepath.Join(root, rel), 0o755))
	t.Cleanup(func() {
		for p := rel; p != base.Path; p = filepath.Dir(p) {
			require.NoError(t, os.Remove(filepath.Join(root, p)))
		}
	})
	id, err := netnsscan.Inode(filepath.Join(root, rel))
	require.NoError(t, err)
	return rel, id
}

// startInNetns starts a root process in a network namespace of its own,
// moves it into the cgroup rel, and returns its PID and namespace. It is
// killed at cleanup.
func startInNetns(t *testing.T, rel string) (int, uint32) {
	t.Helper()
	cmd := exec.Command("unshare", "--net", "sleep", "600")
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	pid := cmd.Process.Pid
	root, err := cgroup2.Find()
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(root, rel, "cgroup.procs"), []byte(strconv.Itoa(pid)), 0o644))
	own, err := netnsscan.Inode("/proc/self/ns/net")
	require.NoError(t, err)
	var netns uint64
	require.Eventually(t, func() bool {
		netns, err = netnsscan.Inode(fmt.Sprintf("/proc/%d/ns/net", pid))
		return err == nil && netns != own
	}, 5*time.Second, 10*time.Millisecond, "unshare --net")
	return pid, uint32(netns)
}
