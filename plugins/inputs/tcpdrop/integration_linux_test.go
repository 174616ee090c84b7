package tcpdrop

import (
	"strconv"
	"testing"
	"time"

	"github.com/cilium/ebpf/btf"
	"github.com/influxdata/telegraf/testutil"
	"github.com/stretchr/testify/require"

	"github.com/tcpdrop/tcpdrop/internal/netnstest"
	"github.com/tcpdrop/tcpdrop/internal/probe"
	"github.com/tcpdrop/tcpdrop/internal/reasons"
)

// The privileged tests below load the real probe, make real drops inside a
// fresh network namespace and hold the plugin's windows to exact counts.
// Series are told apart by the netns tag, so other traffic on the host
// cannot change them.

const burst = 200 // drops per scenario

func TestDropsAreCountedExactly(t *testing.T) {
	netnstest.RequirePrivileges(t)
	for _, mode := range probe.Modes {
		t.Run(string(mode), func(t *testing.T) {
			if !kernelHas(t, mode) {
				return
			}
			p := startPlugin(t, mode, nil)
			sight := probeSight(t, p)
			t.Logf("probe sees %+v", sight)
			for _, sc := range netnstest.Scenarios {
				t.Run(sc.Name, func(t *testing.T) {
					ns := p.newNS(t)
					require.NoError(t, sc.Cause(t, ns))
					requireScenario(t, p, ns, sc, sight)
				})
			}
			requireProbeMetric(t, p, mode)
		})
	}
}

// requireScenario holds the drops sc made in ns to exactly the series sight
// makes of them. Drops that sight cannot place in a namespace must be
// counted in namespace 0; drops of other tests may be there too, so only
// at least as many.
func requireScenario(t *testing.T, p plugin, ns *netnstest.NS, sc netnstest.Scenario, sight netnstest.Sight) {
	t.Helper()
	const noNetns = "0"
	netns := strconv.FormatUint(ns.Inode(), 10)
	want := map[string]map[string]uint64{netns: {}, noNetns: {}}
	total := map[string]uint64{}
	for _, d := range sc.Drops {
		d, where := sight.Sees(d)
		in := map[netnstest.Netns]string{netnstest.OwnNetns: netns, netnstest.NoNetns: noNetns}[where]
		if in == "" {
			continue // not counted at all
		}
		want[in][key(d.Reason, d.State, d.Flags, d.Frame, d.Family)] += d.Count
		total[in] += d.Count
	}
	got := collectBy(t, p, "netns", total)
	ours := byKey(got[netns])
	for _, d := range sc.Drops {
		if d, _ := sight.Sees(d); d.InlinedInto != "" {
			inlined := key(d.Reason, d.State, d.Flags, d.InlinedInto, d.Family)
			if n, ok := ours[inlined]; ok {
				delete(ours, inlined)
				ours[key(d.Reason, d.State, d.Flags, d.Frame, d.Family)] += n
			}
		}
	}
	require.Equal(t, want[netns], ours, "series of netns %s", netns)
	zero := byKey(got[noNetns])
	for k, n := range want[noNetns] {
		require.GreaterOrEqual(t, zero[k], n, "%s in netns 0", k)
	}
}

// probeSight tells what the probe can see on this kernel, from its
// tcpdrop_probe line.
func probeSight(t *testing.T, p plugin) netnstest.Sight {
	t.Helper()
	require.NoError(t, p.Gather(p.acc))
	defer p.acc.ClearMetrics()
	for _, m := range p.acc.GetTelegrafMetrics() {
		if m.Name() == "tcpdrop_probe" {
			return netnstest.SightOf(t, m.Tags())
		}
	}
	require.Fail(t, "no tcpdrop_probe line")
	return netnstest.Sight{}
}

// Sampled drops name the drop site as their first frame, in every mode, and
// their events carry the packet as it was on the wire.
func TestSamplesNameTheDropSite(t *testing.T) {
	netnstest.RequirePrivileges(t)
	for _, mode := range probe.Modes {
		t.Run(string(mode), func(t *testing.T) {
			if !kernelHas(t, mode) {
				return
			}
			p := startPlugin(t, mode, func(p *TCPDrop) { p.EventMetrics = true })
			refused, _ := probeSight(t, p).Sees(netnstest.ScenarioNamed(t, "closed port ipv6").Drops[0])
			ns := p.newNS(t)
			port := freePort(t, ns, "tcp6")
			const n = 20
			require.NoError(t, ns.ConnectClosed("tcp6", port, n))
			netns := strconv.FormatUint(ns.Inode(), 10)

			// Other drops on the host may take some of the CPU's tokens,
			// so not every one of ours need be sampled.
			var events, stacks int
			deadline := time.Now().Add(10 * time.Second)
			for events == 0 && time.Now().Before(deadline) {
				time.Sleep(200 * time.Millisecond)
				require.NoError(t, p.Gather(p.acc))
				for _, m := range p.acc.GetTelegrafMetrics() {
					switch m.Name() {
					case "tcpdrop_event":
						if v, _ := m.GetField("netns"); v != int64(ns.Inode()) {
							continue
						}
						events++
						require.Equal(t, map[string]string{"reason": refused.Reason, "state": "NONE", "flags": "SYN",
							"frame": "tcp_v6_rcv", "family": "ipv6"}, m.Tags())
						fields := m.Fields()
						require.Equal(t, "::1", fields["saddr"])
						require.Equal(t, "::1", fields["daddr"])
						require.Equal(t, int64(port), fields["dport"])
						require.Regexp(t, `;tcp_v6_rcv\+0x[0-9a-f]+$`, fields["stack"])
						require.NotContains(t, fields["stack"], "bpf_")
					case "tcpdrop_stack":
						if m.Tags()["reason"] != refused.Reason || m.Tags()["frame"] != "tcp_v6_rcv" {
							continue
						}
						stacks++
						stack, _ := m.GetField("stack")
						require.Regexp(t, `^[^+]*;tcp_v6_rcv$`, stack, "folded, root first, no offsets")
						samples, _ := m.GetField("samples")
						require.Positive(t, samples)
					}
				}
				p.acc.ClearMetrics()
			}
			require.Positive(t, events, "a tcpdrop_event of netns %s", netns)
			require.LessOrEqual(t, events, n)
			require.Positive(t, stacks, "a tcpdrop_stack of NO_SOCKET at tcp_v6_rcv")
		})
	}
}

// A kernel without drop reasons (before 5.17) has only the classic
// tracepoint, which has no reason argument: every drop counts, as UNKNOWN,
// and reason filters are refused. Forced here on a kernel that has them.
func TestWithoutDropReasons(t *testing.T) {
	netnstest.RequirePrivileges(t)
	noReasons := func(p *TCPDrop) {
		p.kernelReasons = func(*btf.Cache) (*reasons.Decoder, error) { return nil, reasons.ErrNoReasons }
	}
	p := startPlugin(t, probe.ModeRaw, noReasons)
	sight := probeSight(t, p)
	sight.Reasons = false
	ns := p.newNS(t)
	sc := netnstest.ScenarioNamed(t, "closed port ipv4")
	require.NoError(t, sc.Cause(t, ns))
	requireScenario(t, p, ns, sc, sight)

	filtered := New()
	filtered.Log = testutil.Logger{}
	noReasons(filtered)
	filtered.IncludeReasons = []string{"NO_SOCKET"}
	require.NoError(t, filtered.Init())
	require.EqualError(t, filtered.Start(&testutil.Accumulator{}),
		"include_reasons and exclude_reasons need a kernel with drop reasons (5.17 or later)")
}

// kernelHas tells whether this kernel supports mode. Where it does not
// (tp_btf_rx_sk before 6.11, tp_btf before 5.17: the tracepoint lacks the
// arguments they read), a subtest checks that forcing mode fails by
// itself, naming it, instead of falling back to another mode.
func kernelHas(t *testing.T, mode probe.Mode) bool {
	t.Helper()
	switch {
	case mode == probe.ModeRaw,
		mode == probe.ModeBTF && netnstest.KernelAtLeast(t, 5, 17),
		mode == probe.ModeBTFRxSk && netnstest.KernelAtLeast(t, 6, 11):
		return true
	}
	t.Run("refused", func(t *testing.T) {
		p := New()
		p.Log = testutil.Logger{}
		p.Probe = string(mode)
		require.NoError(t, p.Init())
		err := p.Start(&testutil.Accumulator{})
		require.ErrorContains(t, err, string(mode)+": load:")
		for _, other := range probe.Modes {
			if other != mode {
				require.NotContains(t, err.Error(), string(other)+":", "no fallback")
			}
		}
	})
	return false
}

type plugin struct {
	*TCPDrop
	acc *testutil.Accumulator
}

func startPlugin(t *testing.T, mode probe.Mode, change func(*TCPDrop)) plugin {
	t.Helper()
	p := New()
	p.Log = testutil.Logger{}
	p.Probe = string(mode)
	p.GroupBy = []string{"reason", "state", "flags", "frame", "family", "netns"}
	if change != nil {
		change(p)
	}
	require.NoError(t, p.Init())
	acc := &testutil.Accumulator{}
	require.NoError(t, p.Start(acc), "mode %s", mode)
	t.Cleanup(p.Stop)
	require.NoError(t, p.Gather(acc)) // starts with an empty window
	acc.ClearMetrics()
	return plugin{TCPDrop: p, acc: acc}
}

// newNS makes a namespace and ends the window in progress. Inode numbers
// are reused at once: a namespace of a test running beside this one, gone
// just before this one came, may have had this inode and left drops in the
// window. Every drop from now on is this namespace's.
func (p plugin) newNS(t *testing.T) *netnstest.NS {
	t.Helper()
	ns := netnstest.New(t)
	require.NoError(t, p.Gather(p.acc))
	p.acc.ClearMetrics()
	return ns
}

func freePort(t *testing.T, ns *netnstest.NS, network string) uint16 {
	t.Helper()
	port, err := ns.FreePort(network)
	require.NoError(t, err)
	return port
}

// collect gathers windows until want drops of ns arrived (softirqs may lag
// the sender a little), then one more, and returns ns's series by tag set.
func collect(t *testing.T, p plugin, ns *netnstest.NS, want uint64) map[string]series {
	t.Helper()
	netns := strconv.FormatUint(ns.Inode(), 10)
	return collectBy(t, p, "netns", map[string]uint64{netns: want})[netns]
}

// collectBy gathers windows until, for every value of tag in want (a
// netns, a container_id), at least that many drops arrived, then one more,
// and returns those values' series by tag set.
func collectBy(t *testing.T, p plugin, tag string, want map[string]uint64) map[string]map[string]series {
	t.Helper()
	got := map[string]map[string]series{}
	total := map[string]uint64{}
	for v := range want {
		got[v] = map[string]series{}
	}
	arrived := func() bool {
		for v, n := range want {
			if total[v] < n {
				return false
			}
		}
		return true
	}
	deadline := time.Now().Add(10 * time.Second)
	for extra := 0; extra < 2; {
		time.Sleep(100 * time.Millisecond)
		require.NoError(t, p.Gather(p.acc))
		for _, m := range p.acc.GetTelegrafMetrics() {
			v := m.Tags()[tag]
			if _, ok := want[v]; m.Name() != "tcpdrop" || !ok {
				continue
			}
			drops, ok := m.GetField("drops")
			require.True(t, ok)
			require.IsType(t, int64(0), drops)
			bytes, ok := m.GetField("bytes")
			require.True(t, ok)
			if m.Tags()["frame"] != "tcp_drop" { // counted from sk_drops: not known
				require.Positive(t, bytes)
			}
			s := got[v][tagID(m.Tags())]
			s.tags = m.Tags()
			s.drops += uint64(drops.(int64))
			got[v][tagID(m.Tags())] = s
			total[v] += uint64(drops.(int64))
		}
		p.acc.ClearMetrics()
		if arrived() || time.Now().After(deadline) {
			extra++
		}
	}
	return got
}

// byKey sums series by key().
func byKey(got map[string]series) map[string]uint64 {
	sums := map[string]uint64{}
	for _, s := range got {
		sums[key(s.tags["reason"], s.tags["state"], s.tags["flags"], s.tags["frame"], s.tags["family"])] += s.drops
	}
	return sums
}

// requireSeries holds the drops of ns to exactly want, series by series.
func requireSeries(t *testing.T, p plugin, ns *netnstest.NS, total uint64, want map[string]uint64) {
	t.Helper()
	require.Equal(t, want, byKey(collect(t, p, ns, total)))
}

func key(reason, state, flags, frame, family string) string {
	return "reason=" + reason + ",state=" + state + ",flags=" + flags + ",frame=" + frame + ",family=" + family
}

func requireProbeMetric(t *testing.T, p plugin, mode probe.Mode) {
	t.Helper()
	require.NoError(t, p.Gather(p.acc))
	var found bool
	for _, m := range p.acc.GetTelegrafMetrics() {
		if m.Name() != "tcpdrop_probe" {
			continue
		}
		found = true
		require.Equal(t, string(mode), m.Tags()["probe"])
		require.Contains(t, []string{"rx_sk", "receive_hooks", "skb"}, m.Tags()["state_from"])
		require.Contains(t, []string{"tracepoint", "sk_drops", "missed"}, m.Tags()["tcp_drop"])
		for _, f := range []string{"map_full", "filtered", "unparsed", "sampled", "sk_drops", "no_window",
			"recursion_misses", "map_keys", "suppressed", "lost", "events_shed"} {
			v, ok := m.GetField(f)
			require.True(t, ok, "field %s", f)
			require.IsType(t, int64(0), v, "field %s", f)
		}
		mapFull, _ := m.GetField("map_full")
		require.Zero(t, mapFull)
	}
	require.True(t, found, "a tcpdrop_probe line every window")
	p.acc.ClearMetrics()
}
