package probe

import (
	"net/netip"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tcpdrop/tcpdrop/internal/drop"
	"github.com/tcpdrop/tcpdrop/internal/netnstest"
)

// collector runs ReadEvents until the probe closes.
type collector struct {
	mu     sync.Mutex
	events []drop.Event
	bad    int
	done   chan error
}

func collect(t *testing.T, p *Probe) *collector {
	c := &collector{done: make(chan error, 1)}
	go func() {
		c.done <- p.ReadEvents(20*time.Millisecond, func(b Batch) {
			c.mu.Lock()
			c.events = append(c.events, b.Events...)
			c.bad += b.Bad
			c.mu.Unlock()
		})
	}()
	return c
}

// wait returns the events once n arrived, or what there is after the timeout.
func (c *collector) wait(n int, timeout time.Duration) []drop.Event {
	deadline := time.Now().Add(timeout)
	for {
		c.mu.Lock()
		got := append([]drop.Event(nil), c.events...)
		c.mu.Unlock()
		if len(got) >= n || time.Now().After(deadline) {
			return got
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestEventsDescribeTheDrop(t *testing.T) {
	netnstest.RequirePrivileges(t)
	for _, tc := range []struct {
		network string
		family  uint8
		lo      netip.Addr
	}{
		{"tcp4", 4, netip.MustParseAddr("127.0.0.1")},
		{"tcp6", 6, netip.IPv6Loopback()},
	} {
		t.Run(tc.network, func(t *testing.T) {
			ns := netnstest.New(t)
			p := open(t, Options{Mode: ModeAuto, Dims: drop.DimReason, MaxKeys: 16, Netns: uint32(ns.Inode()),
				Sampling: Sampling{Rate: 1000, Stack: true}})
			c := collect(t, p)
			port, err := ns.FreePort(tc.network)
			require.NoError(t, err)
			const n = 20
			require.NoError(t, ns.ConnectClosed(tc.network, port, n))

			events := c.wait(n, 5*time.Second)
			require.Len(t, events, n)
			noSocket := reasonValue(t, "NO_SOCKET")
			for _, e := range events {
				require.Equal(t, tc.lo, e.Src.Addr())
				require.Equal(t, netip.AddrPortFrom(tc.lo, port), e.Dst)
				require.NotZero(t, e.Src.Port())
				require.Equal(t, tc.family, e.Family)
				require.Equal(t, uint8(netnstest.SYN), e.Flags)
				require.Equal(t, noSocket, e.Reason)
				require.Equal(t, uint32(ns.Inode()), e.Netns)
				require.Equal(t, uint32(1), e.Ifindex, "lo")
				require.NotZero(t, e.Location)
				require.NotEmpty(t, e.Stack)
				require.NotEmpty(t, e.Comm)
				require.WithinDuration(t, time.Now(), e.Time, 10*time.Second)
			}
			require.NoError(t, p.Close())
			require.NoError(t, <-c.done, "ReadEvents ends when the probe closes")
		})
	}
}

// The bucket bounds the events; the window counts stay exact; every counted
// drop is either sampled or suppressed.
func TestSamplingKeepsCountsExact(t *testing.T) {
	netnstest.RequirePrivileges(t)
	ns := netnstest.New(t)
	const rate, drops = 10, 4000
	p := open(t, Options{Mode: ModeAuto, Dims: drop.DimReason, MaxKeys: 16, Netns: uint32(ns.Inode()),
		Sampling: Sampling{Rate: rate, Stack: true}})
	c := collect(t, p)
	port, err := ns.FreePort("tcp4")
	require.NoError(t, err)
	_, err = p.Window()
	require.NoError(t, err)

	start := time.Now()
	require.NoError(t, ns.ConnectClosed("tcp4", port, drops))
	elapsed := time.Since(start)
	w, err := p.Window()
	require.NoError(t, err)
	var counted uint64
	for _, cnt := range w.Counts {
		counted += cnt.Drops
	}
	require.Equal(t, uint64(drops), counted)

	require.Zero(t, w.Stats.Lost)
	sampled := drops - w.Suppressed()
	require.Equal(t, w.Stats.Sampled, sampled)
	events := c.wait(int(sampled), 5*time.Second)
	require.Len(t, events, int(sampled), "every drop not suppressed arrives")
	// Each CPU: a full bucket (rate events) plus rate per second.
	bound := float64(runtime.NumCPU()) * (rate + rate*elapsed.Seconds() + 1)
	require.LessOrEqual(t, float64(len(events)), bound)
	require.NotZero(t, w.Suppressed())
	for _, e := range events {
		require.Equal(t, w.Number, e.Window, "an event carries the window that counted it")
	}
}

func TestFiltersSkipOtherDrops(t *testing.T) {
	netnstest.RequirePrivileges(t)
	ns := netnstest.New(t)
	port, err := ns.FreePort("tcp4")
	require.NoError(t, err)
	other, err := ns.FreePort("tcp4")
	require.NoError(t, err)
	p := open(t, Options{Mode: ModeAuto, Dims: drop.DimNetns, MaxKeys: 16,
		Family: 4, Port: port, Netns: uint32(ns.Inode())})
	_, err = p.Window()
	require.NoError(t, err)

	require.NoError(t, ns.ConnectClosed("tcp4", port, 7))
	require.NoError(t, ns.ConnectClosed("tcp4", other, 5))
	require.NoError(t, ns.ConnectClosed("tcp6", port, 3))
	require.Equal(t, map[uint32]uint64{0: 7}, netnsDrops(t, p, ns, 7), "only IPv4 to port")
}

func TestReadEventsWithoutSampling(t *testing.T) {
	netnstest.RequirePrivileges(t)
	p := open(t, Options{Mode: ModeAuto, Dims: drop.DimReason, MaxKeys: 16})
	require.ErrorIs(t, p.ReadEvents(time.Millisecond, func(Batch) {}), ErrNoSampling)
	require.ErrorIs(t, p.FlushEvents(), ErrNoSampling)
}

// A record that is not an event is an error to count, not a reason to stop.
func TestDecodeRejectsShortRecords(t *testing.T) {
	_, err := decode(make([]byte, eventSize-1), newClock())
	require.Error(t, err)
	_, err = decode(nil, newClock())
	require.Error(t, err)
	// Zeroes of the right size are no event either: no address family.
	_, err = decode(make([]byte, eventSize), newClock())
	require.ErrorContains(t, err, "address family 0")
}
