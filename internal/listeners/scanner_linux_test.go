package listeners

import (
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tcpdrop/tcpdrop/internal/netnstest"
)

func newScanner(t *testing.T, max int) *Scanner {
	t.Helper()
	s, err := NewScanner(Config{ProcRoot: "/proc", NetnsDir: "/run/netns", MaxNamespaces: max})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	return s
}

func scan(t *testing.T, s *Scanner) Scan {
	t.Helper()
	sc, err := s.Scan()
	require.NoError(t, err)
	return sc
}

// namespace returns what sc saw of the namespace ino.
func namespace(t *testing.T, sc Scan, ino uint64) Namespace {
	t.Helper()
	for _, ns := range sc.Namespaces {
		if ns.Inode == ino {
			return ns
		}
	}
	require.Failf(t, "namespace not scanned", "netns %d", ino)
	return Namespace{}
}

// listenerLines returns w's lines of namespace ino and port.
func listenerLines(w Window, ino uint64, port uint16) []ListenerGrowth {
	var out []ListenerGrowth
	for _, l := range w.Listeners {
		if l.Netns == ino && l.Port == port {
			out = append(out, l)
		}
	}
	return out
}

func namespaceLine(w Window, ino uint64) NamespaceGrowth {
	for _, n := range w.Namespaces {
		if n.Netns == ino {
			return n
		}
	}
	return NamespaceGrowth{Netns: ino}
}

// A listener with backlog 1 that never accepts, and 8 connects held open:
// its drops are the namespace's ListenDrops, its queue shows 2 of 1, and a
// quiet listener in another namespace is never reported.
func TestOverflowingListener(t *testing.T) {
	netnstest.RequirePrivileges(t)
	for _, network := range []string{"tcp4", "tcp6"} {
		t.Run(network, func(t *testing.T) {
			full, quiet := netnstest.New(t), netnstest.New(t)
			port, err := full.ListenBacklog(network, 1)
			require.NoError(t, err)
			quietPort, err := quiet.ListenBacklog(network, 1)
			require.NoError(t, err)
			s := newScanner(t, 0)
			var g Growth
			g.Update(scan(t, s))
			before, err := full.Counters()
			require.NoError(t, err)

			_, err = full.Overflow(network, port, 8)
			require.NoError(t, err)
			sc := scan(t, s)
			after, err := full.Counters()
			require.NoError(t, err)
			w := g.Update(sc)

			lines := listenerLines(w, full.Inode(), port)
			require.Len(t, lines, 1, "%+v", w.Listeners)
			l := lines[0]
			want := "127.0.0.1"
			if network == "tcp6" {
				want = "::1"
			}
			require.Equal(t, netip.MustParseAddr(want), l.Address)
			require.EqualValues(t, 1, l.AcceptQueueMax)
			require.EqualValues(t, 2, l.AcceptQueue, "ss shows 2 of 1")
			require.True(t, l.Full)
			ns := namespaceLine(w, full.Inode())
			require.NotZero(t, l.Drops)
			require.EqualValues(t, ns.ListenDrops, l.Drops, "the listener's drops are the namespace's ListenDrops")
			require.EqualValues(t, after.Delta(before, "TcpExt:ListenOverflows"), ns.ListenOverflows)
			require.EqualValues(t, after.Delta(before, "TcpExt:ListenDrops"), ns.ListenDrops)
			require.Empty(t, listenerLines(w, quiet.Inode(), quietPort), "a listener without drops")
			require.Zero(t, namespaceLine(w, quiet.Inode()).ListenOverflows)
		})
	}
}

// The scanner's own namespace is read too, without entering it.
func TestOwnNamespace(t *testing.T) {
	netnstest.RequirePrivileges(t)
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	port := uint16(ln.Addr().(*net.TCPAddr).Port)
	s := newScanner(t, 0)
	ns := namespace(t, scan(t, s), s.Own())
	require.True(t, ns.Listed)
	require.NotNil(t, ns.Netstat)
	var found []Listener
	for _, l := range ns.Listeners {
		if l.Port == port {
			found = append(found, l)
		}
	}
	require.Len(t, found, 1)
	require.Equal(t, netip.MustParseAddr("127.0.0.1"), found[0].Address)
	require.NotZero(t, found[0].AcceptQueueMax)
}

// Namespaces that come and go during scans cause no error.
func TestNamespacesGoneDuringScan(t *testing.T) {
	netnstest.RequirePrivileges(t)
	s := newScanner(t, 0)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 200; i++ {
			select {
			case <-stop:
				return
			default:
			}
			ns, err := netnstest.Open()
			if err != nil {
				t.Error(err)
				return
			}
			if _, err := ns.ListenBacklog("tcp4", 1); err != nil {
				t.Error(err)
			}
			ns.Close()
		}
	}()
	deadline := time.Now().Add(3 * time.Second)
	for n := 0; n < 1000 && time.Now().Before(deadline); n++ {
		_, err := s.Scan()
		require.NoError(t, err)
	}
	close(stop)
	wg.Wait()
}

// The cap on namespaces per scan takes them in turn, so each is read.
func TestTurn(t *testing.T) {
	s := &Scanner{cfg: Config{MaxNamespaces: 2}}
	all := []uint64{10, 20, 30, 40, 50}
	require.Equal(t, []uint64{10, 20}, s.turn(all))
	require.Equal(t, []uint64{30, 40}, s.turn(all))
	require.Equal(t, []uint64{50, 10}, s.turn(all))
	// 20 is gone: the turn goes on from where it was.
	require.Equal(t, []uint64{30, 40}, s.turn([]uint64{10, 30, 40, 50}))
	s.cfg.MaxNamespaces = 0
	require.Equal(t, all, s.turn(all))
}

// With a cap, the scanner's own namespace is read in every scan and the
// others in turn, each within a bounded number of scans.
func TestCapReadsOwnNamespaceEveryTime(t *testing.T) {
	netnstest.RequirePrivileges(t)
	made := []*netnstest.NS{netnstest.New(t), netnstest.New(t), netnstest.New(t)}
	s := newScanner(t, 1)
	seen := map[uint64]bool{}
	// Other tests on the host may add namespaces meanwhile: bounded, but
	// with room for them.
	rounds := 3*len(scan(t, s).Known) + 10
	for i := 0; i < rounds && !(seen[made[0].Inode()] && seen[made[1].Inode()] && seen[made[2].Inode()]); i++ {
		sc := scan(t, s)
		require.LessOrEqual(t, len(sc.Namespaces), 2, "its own and at most one other")
		require.Equal(t, s.Own(), sc.Namespaces[0].Inode)
		for _, ns := range sc.Namespaces[1:] {
			seen[ns.Inode] = true
		}
	}
	for _, ns := range made {
		require.True(t, seen[ns.Inode()], "netns %d read in turn", ns.Inode())
	}
}

// ip netns add creates a name in /run/netns before it mounts the namespace
// on it: until then it is a plain file, which the scan passes over.
func TestScanPassesOverANameWithoutANamespace(t *testing.T) {
	netnstest.RequirePrivileges(t)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "not-yet"), nil, 0o444))
	s, err := NewScanner(Config{ProcRoot: "/proc", NetnsDir: dir})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	sc := scan(t, s)
	require.NotEmpty(t, sc.Namespaces, "the others")
}
