//go:build linux

package netnstest

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// RequireEnv is the environment variable that turns a missing privilege from
// a skip into a failure, so CI cannot silently skip the privileged tests.
const RequireEnv = "TCPDROP_REQUIRE_PRIVILEGED"

// neededCaps lists the effective capabilities the privileged tests use.
// CAP_SYS_ADMIN is included because unshare(CLONE_NEWNET) needs it.
var neededCaps = []struct {
	name string
	bit  uint
}{
	{"CAP_BPF", unix.CAP_BPF},
	{"CAP_PERFMON", unix.CAP_PERFMON},
	{"CAP_NET_ADMIN", unix.CAP_NET_ADMIN},
	{"CAP_NET_RAW", unix.CAP_NET_RAW},
	{"CAP_SYSLOG", unix.CAP_SYSLOG},
	{"CAP_SYS_ADMIN", unix.CAP_SYS_ADMIN},
}

// RequirePrivileges skips t unless the process runs as root with all needed
// capabilities effective. If RequireEnv is "1" it fails t instead.
func RequirePrivileges(t testing.TB) {
	t.Helper()
	reason := missingPrivileges()
	if reason == "" {
		return
	}
	if os.Getenv(RequireEnv) == "1" {
		t.Fatalf("privileged test cannot run (%s=1): %s", RequireEnv, reason)
	}
	t.Skipf("privileged test skipped: %s (set %s=1 to fail instead)", reason, RequireEnv)
}

// missingPrivileges returns a description of what is missing, or "".
func missingPrivileges() string {
	var missing []string
	if uid := os.Geteuid(); uid != 0 {
		missing = append(missing, fmt.Sprintf("not root (euid %d)", uid))
	}
	eff, err := effectiveCaps()
	if err != nil {
		return strings.Join(append(missing, err.Error()), "; ")
	}
	for _, c := range neededCaps {
		if eff&(1<<c.bit) == 0 {
			missing = append(missing, "missing "+c.name)
		}
	}
	return strings.Join(missing, "; ")
}

// effectiveCaps returns the calling thread's effective capability set as a
// 64-bit mask (version 3 headers split it over two 32-bit words).
func effectiveCaps() (uint64, error) {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return 0, fmt.Errorf("capget: %w", err)
	}
	return uint64(data[0].Effective) | uint64(data[1].Effective)<<32, nil
}
