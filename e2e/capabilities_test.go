//go:build linux

package e2e

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tcpdrop/tcpdrop/internal/netnstest"
)

// The capabilities the plugin needs, as setpriv and setcap name them.
const (
	privCaps = "+bpf,+perfmon,+syslog"
	fileCaps = "cap_bpf,cap_perfmon,cap_syslog=ep"
)

// Telegraf need not run as root. It runs here as user nobody, set up the
// ways the README describes, and the plugin must count, with drop sites
// named (CAP_SYSLOG). execd's child keeps only ambient capabilities: file
// capabilities of Telegraf itself do not reach the plugin.
func TestUnprivilegedTelegraf(t *testing.T) {
	netnstest.RequirePrivileges(t)
	tl := requireTools(t)
	setpriv, err := exec.LookPath("setpriv")
	require.NoError(t, err, "setpriv (util-linux)")
	setcap, err := exec.LookPath("setcap")
	require.NoError(t, err, "setcap (libcap2-bin)")
	nobody, err := user.Lookup("nobody")
	require.NoError(t, err)
	asNobody := []string{setpriv, "--reuid=" + nobody.Uid, "--regid=" + nobody.Gid, "--clear-groups"}
	// run counts with Telegraf as nobody with the capability options caps.
	run := func(t *testing.T, tl tools, caps ...string) {
		requireCountsAs(t, tl, nobody.Uid, slices.Concat(asNobody, caps, []string{"--"}))
	}
	// Copies nobody can run, wherever the repository is.
	tl.telegraf = copyExecutable(t, tl.telegraf)

	t.Run("ambient capabilities", func(t *testing.T) {
		// What systemd gives Telegraf with AmbientCapabilities=.
		run(t, tl, "--inh-caps=-all,"+privCaps, "--ambient-caps=-all,"+privCaps, "--bounding-set=-all,"+privCaps)
	})
	t.Run("file capabilities of the plugin", func(t *testing.T) {
		tl := tl
		tl.plugin = copyExecutable(t, tl.plugin)
		out, err := exec.Command(setcap, fileCaps, tl.plugin).CombinedOutput()
		require.NoError(t, err, "%s", out)
		run(t, tl, "--inh-caps=-all")
	})
	t.Run("file capabilities of Telegraf are not enough", func(t *testing.T) {
		tl := tl
		tl.telegraf = copyExecutable(t, tl.telegraf)
		out, err := exec.Command(setcap, fileCaps, tl.telegraf).CombinedOutput()
		require.NoError(t, err, "%s", out)
		s := startStack(t, tl, "", slices.Concat(asNobody, []string{"--inh-caps=-all", "--"})...)
		s.tg.waitLog(t, regexp.MustCompile(`^\S+ E! \[inputs\.execd\] .*needs root or the capabilities CAP_BPF and CAP_PERFMON`), 1)
		require.Empty(t, s.tg.grep(counting))
	})
}

// requireCountsAs runs the stack with Telegraf behind wrapper, which makes
// it user uid, and requires exact counts with the drop site named.
func requireCountsAs(t *testing.T, tl tools, uid string, wrapper []string) {
	t.Helper()
	s := startStack(t, tl, pluginConfig(t, byNetns), wrapper...)
	p := s.tg.waitCounting(t, 1)
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.pid))
	require.NoError(t, err)
	require.Regexp(t, `(?m)^Uid:\s+`+uid+`\s`, string(status), "the plugin's user")

	ns := s.newNS(t)
	const n = 200
	connectClosed(t, ns.NS, "tcp4", n)
	s.requireDrops(t, ns, n)
	named, err := s.db.scalar(`SELECT sum("drops") FROM "tcpdrop" WHERE ` + ns.where() + ` AND "frame" = 'tcp_v4_rcv'`)
	require.NoError(t, err)
	require.EqualValues(t, n, named, "drops at a named drop site")
}

// copyExecutable copies the program at src into a folder every user can
// read, and returns the copy's path.
func copyExecutable(t *testing.T, src string) string {
	t.Helper()
	dst := filepath.Join(sharedTempDir(t), filepath.Base(src))
	in, err := os.Open(src)
	require.NoError(t, err)
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o755)
	require.NoError(t, err)
	_, err = io.Copy(out, in)
	require.NoError(t, errors.Join(err, out.Close()))
	return dst
}
