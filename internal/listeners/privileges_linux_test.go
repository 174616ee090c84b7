package listeners

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/tcpdrop/tcpdrop/internal/netnstest"
)

// nobody is the user the helper runs as, by number: the kernel matrix's
// guests have no user database.
const nobody = "65534"

// helperEnv makes the test binary scan once and print what it saw of one
// namespace, instead of running the tests.
const helperEnv = "LISTENERS_SCAN_HELPER"

// seen is what the helper prints.
type seenBy struct {
	Found, Listed, Netstat bool
	Drops                  uint64
	OwnListed              bool // the helper's own namespace
	Missing                string
}

func TestMain(m *testing.M) {
	if args := os.Getenv(helperEnv); args != "" {
		os.Exit(scanHelper(args))
	}
	os.Exit(m.Run())
}

// scanHelper scans twice, with the named namespaces of netnsDir, and
// prints what the second scan saw of namespace ino (args "ino netnsDir").
func scanHelper(args string) int {
	var ino uint64
	var netnsDir string
	if _, err := fmt.Sscan(args, &ino, &netnsDir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	s, err := NewScanner(Config{ProcRoot: "/proc", NetnsDir: netnsDir})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer s.Close()
	sc, err := s.Scan()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	out := seenBy{Missing: sc.Access.Missing()}
	for _, ns := range sc.Namespaces {
		if ns.Inode == s.Own() {
			out.OwnListed = ns.Listed
		}
		if ns.Inode != ino {
			continue
		}
		out.Found, out.Listed, out.Netstat = true, ns.Listed, ns.Netstat != nil
		for _, l := range ns.Listeners {
			out.Drops += uint64(l.Drops)
		}
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		return 1
	}
	return 0
}

// What a scanner running as user nobody sees of a namespace held by a
// thread of a root process (this test), by its capabilities, and of the
// same namespace when it is also named (bound into a netns directory).
func TestPrivileges(t *testing.T) {
	netnstest.RequirePrivileges(t)
	helper := netnstest.SharedTestBinary(t, "listeners.test")

	ns := netnstest.New(t)
	port, err := ns.ListenBacklog("tcp4", 1)
	require.NoError(t, err)
	_, err = ns.Overflow("tcp4", port, 4)
	require.NoError(t, err)
	named := bindNamespace(t, ns)

	run := func(t *testing.T, uid, gid, caps, netnsDir string) seenBy {
		t.Helper()
		var s seenBy
		netnstest.RunJSON(t, append(netnstest.AsUser(t, uid, gid, caps), helper),
			fmt.Sprintf("%s=%d %s", helperEnv, ns.Inode(), netnsDir), &s)
		return s
	}
	const documented = ",+bpf,+perfmon,+syslog"
	for _, tc := range []struct {
		name, uid, caps string
		named           bool
		want            seenBy
		missing         []string
	}{
		{name: "documented capabilities", uid: nobody, caps: documented,
			missing: []string{"needs CAP_SYS_PTRACE"}},
		{name: "root with the documented capabilities only", uid: "0", caps: documented,
			missing: []string{"needs CAP_SYS_PTRACE"}},
		{name: "CAP_SYS_PTRACE: counters, not listeners", uid: nobody, caps: documented + ",+sys_ptrace",
			want: seenBy{Found: true, Netstat: true}, missing: []string{"needs CAP_SYS_ADMIN"}},
		{name: "CAP_SYS_ADMIN without CAP_SYS_PTRACE", uid: nobody, caps: documented + ",+sys_admin",
			missing: []string{"needs CAP_SYS_PTRACE"}},
		{name: "named namespace with CAP_SYS_ADMIN", uid: nobody, caps: documented + ",+sys_admin", named: true,
			want: seenBy{Found: true, Listed: true, Netstat: true}},
		{name: "named namespace with the documented capabilities", uid: nobody, caps: documented, named: true,
			want: seenBy{Found: true}, missing: []string{"needs CAP_SYS_ADMIN"}},
		{name: "CAP_SYS_ADMIN and CAP_SYS_PTRACE", uid: nobody, caps: documented + ",+sys_admin,+sys_ptrace",
			want: seenBy{Found: true, Listed: true, Netstat: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gid := nobody
			if tc.uid == "0" {
				gid = "0"
			}
			dir := filepath.Join(netnstest.SharedTempDir(t), "none")
			if tc.named {
				dir = named
			}
			got := run(t, tc.uid, gid, tc.caps, dir)
			// The SYNs of the connects beyond the queue are dropped again
			// at each retransmit: only whether there are drops is known.
			require.Equal(t, got.Listed, got.Drops > 0, "drops seen: %+v", got)
			require.True(t, got.OwnListed, "sock_diag of its own namespace needs no privilege")
			missing := got.Missing
			got.Missing, got.Drops, got.OwnListed = "", 0, false
			require.Equal(t, tc.want, got)
			for _, m := range tc.missing {
				require.Contains(t, missing, m)
			}
		})
	}
}

// bindNamespace names ns in a fresh netns directory, as ip netns does in
// /run/netns, and returns the directory.
func bindNamespace(t *testing.T, ns *netnstest.NS) string {
	t.Helper()
	dir := netnstest.SharedTempDir(t)
	target := filepath.Join(dir, "test")
	require.NoError(t, os.WriteFile(target, nil, 0o444))
	var src string
	require.NoError(t, ns.Do(func() error {
		src = "/proc/thread-self/ns/net"
		return unix.Mount(src, target, "", unix.MS_BIND, "")
	}))
	t.Cleanup(func() { require.NoError(t, unix.Unmount(target, unix.MNT_DETACH)) })
	return dir
}
