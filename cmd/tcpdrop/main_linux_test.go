package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"os/exec"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cilium/ebpf/btf"
	"github.com/influxdata/telegraf/testutil"
	"github.com/stretchr/testify/require"

	"github.com/tcpdrop/tcpdrop/internal/mainexec"
	"github.com/tcpdrop/tcpdrop/internal/netnstest"
	"github.com/tcpdrop/tcpdrop/internal/reasons"
	"github.com/tcpdrop/tcpdrop/plugins/inputs/tcpdrop"
)

func TestMain(m *testing.M) { mainexec.Run(m, main) }

// command is tcpdrop running; its output is read when it has exited.
type command struct {
	cmd            *exec.Cmd
	stdout, stderr bytes.Buffer
	stderrRead     chan struct{}
}

// start runs tcpdrop and returns once it traces.
func start(t *testing.T, args ...string) *command {
	t.Helper()
	c := &command{cmd: mainexec.Command(t, nil, args...), stderrRead: make(chan struct{})}
	c.cmd.Stdout = &c.stdout
	stderr, err := c.cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, c.cmd.Start())
	t.Cleanup(func() { _ = c.cmd.Process.Kill() })
	lines := bufio.NewScanner(stderr)
	// What an older kernel hides is said first, one line each.
	for {
		require.True(t, lines.Scan(), "no output from tcpdrop")
		if !strings.HasPrefix(lines.Text(), "tcpdrop: ") {
			break
		}
	}
	require.Regexp(t, `^Tracing TCP drops via \w+\. Hit Ctrl-C to end\.$`, lines.Text())
	go func() {
		defer close(c.stderrRead)
		for lines.Scan() {
			c.stderr.WriteString(lines.Text() + "\n")
		}
	}()
	return c
}

// wait returns stdout and stderr once tcpdrop exits by itself.
func (c *command) wait(t *testing.T) (string, string) {
	t.Helper()
	<-c.stderrRead // before Wait, which closes the pipe
	require.NoError(t, c.cmd.Wait(), "stderr: %s", c.stderr.String())
	return c.stdout.String(), c.stderr.String()
}

// refused is what a refused connect on network makes on this kernel: the
// reason of its SYN's drop (the one tcpdrop prints; before 5.18 the drop of
// the RST that refuses it is counted from sk_drops, never printed), and how
// many drops it counts.
func refused(t *testing.T, sight netnstest.Sight, network string) (reason string, drops int) {
	t.Helper()
	name := map[string]string{"tcp4": "closed port ipv4", "tcp6": "closed port ipv6"}[network]
	for j, d := range netnstest.ScenarioNamed(t, name).Drops {
		seen, where := sight.Sees(d)
		if where == netnstest.NotCounted {
			continue
		}
		if j == 0 {
			reason = seen.Reason
		}
		drops++
	}
	return reason, drops
}

func TestPrintsDropsWithReasonAndStack(t *testing.T) {
	netnstest.RequirePrivileges(t)
	sight := probeSight(t)
	for _, tc := range []struct{ network, ip, lo, site string }{
		{"tcp4", "4", `127\.0\.0\.1`, "tcp_v4_rcv"},
		{"tcp6", "6", `\[::1\]`, "tcp_v6_rcv"},
	} {
		t.Run(tc.network, func(t *testing.T) {
			reason, each := refused(t, sight, tc.network)
			ns := netnstest.New(t)
			port, err := ns.FreePort(tc.network)
			require.NoError(t, err)
			const n = 5
			c := start(t, "-netns", strconv.FormatUint(ns.Inode(), 10), "-count", strconv.Itoa(n), "-duration", "30s")
			require.NoError(t, ns.ConnectClosed(tc.network, port, n))
			stdout, stderr := c.wait(t)

			drops := strings.Split(strings.TrimSuffix(stdout, "\n\n"), "\n\n")
			require.Len(t, drops, n, stdout)
			require.Equal(t, header, drops[0][:len(header)])
			drops[0] = drops[0][len(header):]
			line := regexp.MustCompile(`^\d\d:\d\d:\d\d \d+ +` + tc.ip + `  ` + tc.lo + `:\d+ +> ` + tc.lo + `:` +
				strconv.Itoa(int(port)) + ` +NONE \(SYN\) ` + reason + ` -\n    ` + tc.site + `\+0x[0-9a-f]+\n(    \S.*\n?)+$`)
			for _, d := range drops {
				require.Regexp(t, line, d)
				require.NotContains(t, d, "bpf_")
				require.NotContains(t, d, "kfree_skb")
			}
			require.Equal(t, strconv.Itoa(n*each)+" TCP drops counted, 5 shown\n", stderr)
		})
	}
}

// A storm against a low -rate: the command prints within the bound, says
// the rest were suppressed, and the plugin's window, probing the same drops
// at the same time, is still exact.
func TestStormIsSampledAndCountedExactly(t *testing.T) {
	netnstest.RequirePrivileges(t)
	reason, each := refused(t, probeSight(t), "tcp4")
	ns := netnstest.New(t)
	netns := strconv.FormatUint(ns.Inode(), 10)
	port, err := ns.FreePort("tcp4")
	require.NoError(t, err)

	plugin := tcpdrop.New()
	plugin.Log = testutil.Logger{}
	plugin.GroupBy = []string{"reason", "netns"}
	require.NoError(t, plugin.Init())
	acc := &testutil.Accumulator{}
	require.NoError(t, plugin.Start(acc))
	t.Cleanup(plugin.Stop)
	require.NoError(t, plugin.Gather(acc))
	acc.ClearMetrics()

	const rate, drops = 10, 4000
	c := start(t, "-netns", netns, "-rate", strconv.Itoa(rate), "-json", "-duration", "60s")
	began := time.Now()
	require.NoError(t, ns.ConnectClosed("tcp4", port, drops))
	elapsed := time.Since(began)
	time.Sleep(300 * time.Millisecond) // softirqs finish; the command reads its ring
	require.NoError(t, c.cmd.Process.Signal(syscall.SIGINT))
	stdout, stderr := c.wait(t)

	var shown int
	dec := json.NewDecoder(strings.NewReader(stdout))
	for dec.More() {
		var e jsonEvent
		require.NoError(t, dec.Decode(&e))
		require.Equal(t, reason, e.Reason)
		require.Equal(t, "tcp_v4_rcv", e.Frame)
		require.Equal(t, int(port), int(e.Dport))
		shown++
	}
	// Each CPU: a full bucket (one second's worth) plus rate per second.
	bound := runtime.NumCPU() * (rate + int(float64(rate)*elapsed.Seconds()) + 1)
	require.LessOrEqual(t, shown, bound)
	require.Positive(t, shown)
	require.Equal(t, strconv.Itoa(drops*each)+" TCP drops counted, "+strconv.Itoa(shown)+" shown, "+
		strconv.Itoa(drops-shown)+" suppressed by -rate "+strconv.Itoa(rate)+"\n", stderr)

	require.NoError(t, plugin.Gather(acc))
	var counted int64
	for _, m := range acc.GetTelegrafMetrics() {
		if m.Name() == "tcpdrop" && m.Tags()["netns"] == netns {
			v, _ := m.GetField("drops")
			counted += v.(int64)
		}
	}
	require.Equal(t, int64(drops*each), counted, "the plugin's window is exact")
}

// Per-drop lines name the socket's state, as the plugin's series do, for
// drops on an established connection, a TIME_WAIT socket and a listener.
func TestPrintsTheSocketState(t *testing.T) {
	netnstest.RequirePrivileges(t)
	sight := probeSight(t)
	t.Logf("probe sees %+v", sight)
	for _, sc := range netnstest.Scenarios {
		if sc.Name != "established data out of window" && sc.Name != "time wait rst out of window" &&
			sc.Name != "listener syn fin" {
			continue
		}
		t.Run(sc.Name, func(t *testing.T) {
			want, where := sight.Sees(sc.Drops[0])
			require.Equal(t, netnstest.OwnNetns, where, "the drops are in their namespace")
			if want.Frame == "tcp_drop" {
				t.Skipf("this kernel's tcp_drop() never reaches the tracepoint: %s is counted from sk_drops, with no per-drop line", sc.Name)
			}
			ns := netnstest.New(t)
			cause, err := sc.Prepare(t, ns)
			require.NoError(t, err)
			const n = 5
			c := start(t, "-netns", strconv.FormatUint(ns.Inode(), 10), "-count", strconv.Itoa(n), "-json", "-duration", "30s")
			require.NoError(t, cause())
			stdout, stderr := c.wait(t)

			var shown int
			dec := json.NewDecoder(strings.NewReader(stdout))
			for dec.More() {
				var e jsonEvent
				require.NoError(t, dec.Decode(&e))
				require.Equal(t, []string{want.State, want.Flags, want.Reason, want.Frame, want.Family},
					[]string{e.State, e.Flags, e.Reason, e.Frame, "ipv" + strconv.Itoa(int(e.IP))})
				shown++
			}
			require.Equal(t, n, shown)
			require.Regexp(t, `^\d+ TCP drops counted, 5 shown`, stderr)
		})
	}
}

// probeSight tells what the probe that tcpdrop picks can see on this
// kernel, from the tcpdrop_probe line of the plugin, which picks the same.
func probeSight(t *testing.T) netnstest.Sight {
	t.Helper()
	plugin := tcpdrop.New()
	plugin.Log = testutil.Logger{}
	require.NoError(t, plugin.Init())
	acc := &testutil.Accumulator{}
	require.NoError(t, plugin.Start(acc))
	defer plugin.Stop()
	require.NoError(t, plugin.Gather(acc))
	for _, m := range acc.GetTelegrafMetrics() {
		if m.Name() == "tcpdrop_probe" {
			return netnstest.SightOf(t, m.Tags())
		}
	}
	require.Fail(t, "no tcpdrop_probe line")
	return netnstest.Sight{}
}

// A reason excluded by default is counted when asked for. Kernels before
// 6.6 have no QUEUE_PURGE: there asking for it is an error naming it.
func TestReasonBeatsDefaultExclusion(t *testing.T) {
	netnstest.RequirePrivileges(t)
	dec, err := reasons.NewKernel(btf.NewCache())
	if errors.Is(err, reasons.ErrNoReasons) {
		out, err := mainexec.Command(t, nil, "-reason", "QUEUE_PURGE", "-duration", "300ms").CombinedOutput()
		require.Error(t, err)
		require.Contains(t, string(out), "need a kernel with drop reasons")
		return
	}
	require.NoError(t, err)
	if _, ok := dec.Value("QUEUE_PURGE"); !ok {
		out, err := mainexec.Command(t, nil, "-reason", "QUEUE_PURGE", "-duration", "300ms").CombinedOutput()
		require.Error(t, err)
		require.Contains(t, string(out), `this kernel has no drop reason "QUEUE_PURGE"`)
		return
	}
	c := start(t, "-reason", "QUEUE_PURGE", "-duration", "300ms")
	_, stderr := c.wait(t)
	require.Regexp(t, `^\d+ TCP drops counted, \d+ shown`, stderr)
}
