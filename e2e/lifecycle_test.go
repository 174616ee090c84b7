//go:build linux

package e2e

import (
	"regexp"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tcpdrop/tcpdrop/internal/netnstest"
)

// Reloading Telegraf (SIGHUP) stops the plugin and starts it anew: the old
// process ends, the kernel frees every BPF program and link it held, the
// new process holds as many, and counting goes on. Other tests may load
// probes meanwhile, so the check is on the IDs the process held rather
// than on what is attached to kfree_skb.
func TestReloadRestartsPlugin(t *testing.T) {
	netnstest.RequirePrivileges(t)
	s := startStack(t, requireTools(t), pluginConfig(t, byNetns))
	old := s.tg.waitCounting(t, 1)
	require.NotEmpty(t, old.progs, "programs of the first plugin")
	require.NotEmpty(t, old.links, "links of the first plugin")

	ns := s.newNS(t)
	connectClosed(t, ns.NS, "tcp4", 300)
	s.requireDrops(t, ns, 300)

	require.NoError(t, s.tg.cmd.Process.Signal(syscall.SIGHUP))
	require.True(t, old.exitedWithin(waitLimit), "first plugin still running after reload")
	requireReleased(t, old)
	cur := s.tg.waitCounting(t, 2)
	require.NotEqual(t, old.pid, cur.pid)
	require.Len(t, cur.progs, len(old.progs), "programs after reload")
	require.Len(t, cur.links, len(old.links), "links after reload")

	connectClosed(t, ns.NS, "tcp4", 200)
	s.requireDrops(t, ns, 300+200)
}

// Stopping Telegraf closes the plugin's stdin, on which it exits by
// itself: execd would send SIGTERM only 5 s after closing stdin, and
// SIGKILL 5 s later.
func TestStoppingTelegrafEndsPlugin(t *testing.T) {
	netnstest.RequirePrivileges(t)
	s := startStack(t, requireTools(t), "")
	p := s.tg.waitCounting(t, 1)

	sent := time.Now()
	require.NoError(t, s.tg.cmd.Process.Signal(syscall.SIGTERM))
	// Telegraf closes stdin no earlier than now, so an exit seen within 5 s
	// of now came before execd's SIGTERM.
	require.True(t, p.exitedWithin(5*time.Second-time.Since(sent)), "plugin still running 5 s after Telegraf's SIGTERM")
	select {
	case <-s.tg.exited:
	case <-time.After(waitLimit):
		t.Fatal("Telegraf still running")
	}
	require.Zero(t, s.tg.cmd.ProcessState.ExitCode(), "Telegraf's exit status")
	require.Len(t, s.tg.grep(regexp.MustCompile(`^\S+ I! \[inputs\.execd\] Process \S+ shut down$`)), 1)
	// execd reads the program's stdout and stderr while it calls
	// exec.Cmd.Wait, which closes both pipes once the program exits: a
	// read still under way then fails with "file already closed"
	// (internal/process in Telegraf 1.37.2). That is Telegraf's race with
	// any program that exits, so only other errors count.
	for _, l := range s.tg.grep(regexp.MustCompile(`^\S+ E! `)) {
		require.Regexp(t, `\[inputs\.execd\] Error in plugin: (error reading stderr: )?read \|0: file already closed$`, l)
	}
	requireReleased(t, p)
}

// When the plugin dies, execd logs it and starts it again after
// restart_delay; counting goes on. The window in progress is lost, so the
// test kills the plugin only once the earlier drops are in the database.
func TestKilledPluginIsRestarted(t *testing.T) {
	netnstest.RequirePrivileges(t)
	s := startStack(t, requireTools(t), pluginConfig(t, byNetns))
	old := s.tg.waitCounting(t, 1)

	ns := s.newNS(t)
	connectClosed(t, ns.NS, "tcp4", 300)
	s.requireDrops(t, ns, 300)

	require.NoError(t, syscall.Kill(old.pid, syscall.SIGKILL))
	require.True(t, old.exitedWithin(waitLimit))
	s.tg.waitLog(t, regexp.MustCompile(`^\S+ E! \[inputs\.execd\] Process \S+ exited: signal: killed$`), 1)
	requireReleased(t, old)
	cur := s.tg.waitCounting(t, 2)
	require.NotEqual(t, old.pid, cur.pid)

	connectClosed(t, ns.NS, "tcp4", 200)
	s.requireDrops(t, ns, 300+200)
}
