//go:build linux

package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// waitLimit bounds every wait for Telegraf or the plugin. It covers
// execd's restart_delay of 10 s from sample.conf plus a slow start.
const waitLimit = 30 * time.Second

// telegrafProc is a running Telegraf and the log it writes.
type telegrafProc struct {
	cmd    *exec.Cmd
	exited chan struct{}
	log    lineLog
	plugin string // the program its inputs.execd runs
}

// startTelegraf writes conf to a file and runs Telegraf with it, behind
// wrapper (a command that execs its arguments, such as setpriv) if given.
// The files are readable by all so an unprivileged Telegraf can read them.
// Telegraf is stopped when the test ends; its log is shown if it failed.
func startTelegraf(t *testing.T, telegraf, plugin, conf string, wrapper ...string) *telegrafProc {
	t.Helper()
	return runTelegraf(t, plugin, slices.Concat(wrapper, []string{telegraf, "--config", writeConf(t, conf)}))
}

// writeConf writes a Telegraf config to a file every user can read, and
// returns its path.
func writeConf(t *testing.T, conf string) string {
	t.Helper()
	path := filepath.Join(sharedTempDir(t), "telegraf.conf")
	require.NoError(t, os.WriteFile(path, []byte(conf), 0o644))
	return path
}

// runTelegraf runs the command line argv, Telegraf behind an optional
// wrapper, whose inputs.execd runs plugin.
func runTelegraf(t *testing.T, plugin string, argv []string) *telegrafProc {
	t.Helper()
	tg := &telegrafProc{cmd: exec.Command(argv[0], argv[1:]...), exited: make(chan struct{}), plugin: plugin}
	tg.cmd.Stdout, tg.cmd.Stderr = &tg.log, &tg.log
	// setpriv's change of user clears this again; then the cleanup below
	// is all there is.
	tg.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	require.NoError(t, tg.cmd.Start())
	go func() {
		_ = tg.cmd.Wait()
		close(tg.exited)
	}()
	t.Cleanup(func() {
		stop(tg.cmd, tg.exited, 15*time.Second)
		if t.Failed() {
			t.Logf("telegraf log:\n%s", tail(strings.Join(tg.log.lines(), "\n"), 60))
		}
	})
	return tg
}

// sharedTempDir is t.TempDir readable by every user: the folder and its
// parent, which t.TempDir creates for the test, become 0755.
func sharedTempDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.Chmod(dir, 0o755))
	require.NoError(t, os.Chmod(filepath.Dir(dir), 0o755))
	return dir
}

// stop ends a process started by a test: SIGTERM, then SIGKILL after
// limit, and waits until it has exited.
func stop(cmd *exec.Cmd, exited <-chan struct{}, limit time.Duration) {
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(limit):
		_ = cmd.Process.Kill()
		<-exited
	}
}

// grep returns the log lines matching re.
func (tg *telegrafProc) grep(re *regexp.Regexp) []string {
	var out []string
	for _, l := range tg.log.lines() {
		if re.MatchString(l) {
			out = append(out, l)
		}
	}
	return out
}

// waitLog waits until n lines of the log match re, and returns them.
func (tg *telegrafProc) waitLog(t *testing.T, re *regexp.Regexp, n int) []string {
	t.Helper()
	require.Eventually(t, func() bool { return len(tg.grep(re)) >= n }, waitLimit, 50*time.Millisecond,
		"want %d log lines matching %s", n, re)
	return tg.grep(re)
}

// counting matches the plugin's Info line once its probe is attached, as
// Telegraf logs it: the time, the level execd took from the "I! " prefix,
// the plugin's name.
var counting = regexp.MustCompile(`^\S+ I! \[inputs\.execd\] Counting TCP drops at skb:kfree_skb via `)

// waitCounting waits until the n-th start of the plugin has attached its
// probe, and returns that plugin process.
func (tg *telegrafProc) waitCounting(t *testing.T, n int) *pluginProc {
	t.Helper()
	tg.waitLog(t, counting, n)
	return tg.pluginProcess(t)
}

// lineLog collects what a process writes, line by line.
type lineLog struct {
	mu      sync.Mutex
	partial []byte
	done    []string
}

func (l *lineLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.partial = append(l.partial, p...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			return len(p), nil
		}
		l.done = append(l.done, string(l.partial[:i]))
		l.partial = l.partial[i+1:]
	}
}

func (l *lineLog) lines() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.done...)
}
