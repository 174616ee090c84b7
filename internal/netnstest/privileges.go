//go:build linux

package netnstest

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/tcpdrop/tcpdrop/internal/netnsscan"
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
	eff, err := netnsscan.EffectiveCaps()
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
