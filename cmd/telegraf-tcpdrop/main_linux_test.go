package main

import (
	"bufio"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/influxdata/line-protocol/v2/lineprotocol"
	"github.com/stretchr/testify/require"

	"github.com/tcpdrop/tcpdrop/internal/mainexec"
	"github.com/tcpdrop/tcpdrop/internal/netnstest"
)

func TestMain(m *testing.M) { mainexec.Run(m, main) }

// shimProcess is the command running with a pipe as stdin, as execd runs it.
type shimProcess struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	mu     sync.Mutex
	stdout []string
	stderr []string
	done   chan error
}

func startShim(t *testing.T, wrapper []string, args ...string) *shimProcess {
	t.Helper()
	s := &shimProcess{cmd: mainexec.Command(t, wrapper, args...), done: make(chan error, 1)}
	var err error
	s.stdin, err = s.cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := s.cmd.StdoutPipe()
	require.NoError(t, err)
	stderr, err := s.cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, s.cmd.Start())
	var readers sync.WaitGroup
	for _, r := range []struct {
		from io.Reader
		into *[]string
	}{{stdout, &s.stdout}, {stderr, &s.stderr}} {
		readers.Add(1)
		go func() {
			defer readers.Done()
			sc := bufio.NewScanner(r.from)
			for sc.Scan() {
				s.mu.Lock()
				*r.into = append(*r.into, sc.Text())
				s.mu.Unlock()
			}
		}()
	}
	go func() {
		readers.Wait()
		s.done <- s.cmd.Wait()
	}()
	t.Cleanup(func() {
		_ = s.cmd.Process.Kill()
		<-s.done
	})
	return s
}

func (s *shimProcess) lines(stderr bool) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if stderr {
		return append([]string(nil), s.stderr...)
	}
	return append([]string(nil), s.stdout...)
}

// waitExit waits for the process to end by itself within limit.
func (s *shimProcess) waitExit(t *testing.T, limit time.Duration) error {
	t.Helper()
	select {
	case err := <-s.done:
		s.done <- err // for the cleanup
		return err
	case <-time.After(limit):
		t.Fatalf("still running %v later", limit)
		return nil
	}
}

func (s *shimProcess) waitStderr(t *testing.T, substr string) {
	t.Helper()
	require.Eventually(t, func() bool {
		for _, l := range s.lines(true) {
			if strings.Contains(l, substr) {
				return true
			}
		}
		return false
	}, time.Minute, 50*time.Millisecond, "stderr: %q", s.lines(true))
}

// newNS makes a namespace and returns it, its inode as the netns tag, and
// the end of the first window that ended after it was made. Inode numbers
// are reused at once: a namespace of a test running beside this one, gone
// just before this one came, may have had this inode and left drops in the
// window in progress, so a test counts from the windows after that one.
func (s *shimProcess) newNS(t *testing.T) (*netnstest.NS, string, time.Time) {
	t.Helper()
	ns := netnstest.New(t)
	netns := strconv.FormatUint(ns.Inode(), 10)
	made := time.Now()
	var after time.Time
	require.Eventually(t, func() bool {
		_, windows := netnsDrops(t, s.lines(false), netns, time.Time{})
		i := slices.IndexFunc(windows, func(w time.Time) bool { return w.After(made) })
		if i >= 0 {
			after = windows[i]
		}
		return i >= 0
	}, time.Minute, 50*time.Millisecond)
	return ns, netns, after
}

// point is one line of line protocol the shim printed.
type point struct {
	name   string
	tags   map[string]string
	fields map[string]any // int64 for integers
	time   time.Time
}

// points decodes the line protocol printed so far.
func points(t *testing.T, lines []string) []point {
	t.Helper()
	var out []point
	dec := lineprotocol.NewDecoderWithBytes([]byte(strings.Join(lines, "\n") + "\n"))
	for dec.Next() {
		name, err := dec.Measurement()
		require.NoError(t, err)
		p := point{name: string(name), tags: map[string]string{}, fields: map[string]any{}}
		for {
			k, v, err := dec.NextTag()
			require.NoError(t, err)
			if k == nil {
				break
			}
			p.tags[string(k)] = string(v)
		}
		for {
			k, v, err := dec.NextField()
			require.NoError(t, err)
			if k == nil {
				break
			}
			p.fields[string(k)] = v.Interface()
		}
		p.time, err = dec.Time(lineprotocol.Nanosecond, time.Time{})
		require.NoError(t, err)
		out = append(out, p)
	}
	return out
}

// netnsDrops sums, from the line protocol printed so far, drops of netns
// per tag set (the other tags, k=v joined by commas in key order) in the
// windows that ended after after, and returns the end of every window (the
// tcpdrop_probe lines' times).
func netnsDrops(t *testing.T, lines []string, netns string, after time.Time) (map[string]int64, []time.Time) {
	t.Helper()
	drops := map[string]int64{}
	var windows []time.Time
	for _, p := range points(t, lines) {
		switch {
		case p.name == "tcpdrop_probe":
			windows = append(windows, p.time)
		case p.name == "tcpdrop" && p.tags["netns"] == netns && p.time.After(after):
			n, ok := p.fields["drops"].(int64)
			require.True(t, ok, "drops %v", p.fields["drops"])
			var tags []string
			for _, k := range slices.Sorted(maps.Keys(p.tags)) {
				if k != "netns" {
					tags = append(tags, k+"="+p.tags[k])
				}
			}
			drops[strings.Join(tags, ",")] += n
		}
	}
	return drops, windows
}

// execdGrace is how long Telegraf's execd waits for the program to exit
// after closing its stdin before it signals it: the program must be gone by
// then. Detaching the receive hooks waits for grace periods, which under
// emulation take seconds.
const execdGrace = 5 * time.Second

// closedPortSeries are the series n refused IPv4 connects make on this
// kernel, as the probe that printed lines sees them.
func closedPortSeries(t *testing.T, lines []string, n int64) map[string]int64 {
	t.Helper()
	sight := netnstest.SightOf(t, probeTags(t, lines))
	want := map[string]int64{}
	for _, d := range netnstest.ScenarioNamed(t, "closed port ipv4").Drops {
		if d, where := sight.Sees(d); where == netnstest.OwnNetns {
			want["flags="+d.Flags+",frame="+d.Frame+",reason="+d.Reason+",state="+d.State] += n
		}
	}
	return want
}

func TestShimPrintsExactWindowsAndExitsWhenStdinCloses(t *testing.T) {
	netnstest.RequirePrivileges(t)
	conf := filepath.Join(t.TempDir(), "tcpdrop.conf")
	require.NoError(t, os.WriteFile(conf, []byte(`[[inputs.tcpdrop]]
  group_by = ["reason", "state", "flags", "frame", "netns"]
`), 0o600))
	s := startShim(t, nil, "-config", conf, "-poll_interval", "200ms")
	s.waitStderr(t, "I! Counting TCP drops at skb:kfree_skb via ")

	ns, netns, after := s.newNS(t)
	port, err := ns.FreePort("tcp4")
	require.NoError(t, err)
	const n = 1000
	require.NoError(t, ns.ConnectClosed("tcp4", port, n))
	want := closedPortSeries(t, s.lines(false), n)
	require.Eventually(t, func() bool {
		got, _ := netnsDrops(t, s.lines(false), netns, after)
		for series, drops := range want {
			if got[series] < drops {
				return false
			}
		}
		return true
	}, time.Minute, 50*time.Millisecond)
	time.Sleep(500 * time.Millisecond) // two more windows: nothing may follow

	require.NoError(t, s.stdin.Close())
	start := time.Now()
	require.NoError(t, s.waitExit(t, execdGrace), "exit status")
	t.Logf("exited %v after stdin closed", time.Since(start))

	got, windows := netnsDrops(t, s.lines(false), netns, after)
	require.Equal(t, want, got)
	require.Greater(t, len(windows), 2, "a tcpdrop_probe line every window")
	for _, l := range s.lines(true) {
		require.Regexp(t, `^[EWIDT]! `, l, "execd reads the level from the prefix")
	}
}

func TestShimExitsOnSIGTERM(t *testing.T) {
	netnstest.RequirePrivileges(t)
	s := startShim(t, nil, "-poll_interval", "10s")
	s.waitStderr(t, "I! Counting TCP drops")
	require.NoError(t, s.cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, s.waitExit(t, execdGrace))
}

// Without the capabilities the probe needs, one line says which, and the
// exit status is not zero. setpriv empties the capability sets of root.
func TestShimWithoutCapabilities(t *testing.T) {
	netnstest.RequirePrivileges(t)
	setpriv, err := exec.LookPath("setpriv")
	require.NoError(t, err, "setpriv (util-linux)")
	s := startShim(t, []string{setpriv, "--inh-caps=-all", "--bounding-set=-all", "--"}, "-poll_interval", "1s")
	err = s.waitExit(t, 10*time.Second)
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit)
	require.Equal(t, 1, exit.ExitCode())
	stderr := s.lines(true)
	require.Len(t, stderr, 1, "%q", stderr)
	require.Regexp(t, `^E! .*CAP_BPF and CAP_PERFMON`, stderr[0])
	require.Empty(t, s.lines(false))
}

func TestShimRejectsUnknownKey(t *testing.T) {
	conf := filepath.Join(t.TempDir(), "tcpdrop.conf")
	require.NoError(t, os.WriteFile(conf, []byte("[[inputs.tcpdrop]]\n  grup_by = [\"reason\"]\n"), 0o600))
	s := startShim(t, nil, "-config", conf)
	err := s.waitExit(t, 10*time.Second)
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit)
	require.Equal(t, 1, exit.ExitCode())
	require.Equal(t, []string{"E! " + conf + ": unknown configuration key inputs.tcpdrop.grup_by"}, s.lines(true))
	require.Empty(t, s.lines(false))
}
