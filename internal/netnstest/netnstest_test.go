//go:build linux

package netnstest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

var networks = []string{"tcp4", "tcp6"}

func TestNamespaceIsolated(t *testing.T) {
	RequirePrivileges(t)
	ns := New(t)

	var host unix.Stat_t
	if err := unix.Stat("/proc/self/ns/net", &host); err != nil {
		t.Fatal(err)
	}
	if ns.Inode() == 0 || ns.Inode() == host.Ino {
		t.Fatalf("namespace inode %d, host inode %d: want distinct, non-zero", ns.Inode(), host.Ino)
	}
	err := ns.Do(func() error {
		var st unix.Stat_t
		if err := unix.Stat("/proc/thread-self/ns/net", &st); err != nil {
			return err
		}
		if st.Ino != ns.Inode() {
			return fmt.Errorf("thread netns inode %d, want %d", st.Ino, ns.Inode())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// Exec must run in the same namespace.
	out, err := ns.Exec(context.Background(), "readlink", "/proc/self/ns/net")
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if want := fmt.Sprintf("net:[%d]", ns.Inode()); strings.TrimSpace(string(out)) != want {
		t.Fatalf("exec netns %q, want %q", out, want)
	}
	out, err = ns.Exec(context.Background(), "ip", "-o", "addr", "show")
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	for _, want := range []string{"lo", "127.0.0.1/8", "::1/128"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("namespace addresses lack %q:\n%s", want, out)
		}
	}
	if strings.Count(string(out), "\n") != 2 {
		t.Errorf("want only lo's two addresses:\n%s", out)
	}
}

func TestTeardown(t *testing.T) {
	RequirePrivileges(t)
	var ns *NS
	t.Run("use", func(t *testing.T) {
		ns = New(t)
		if _, err := ns.Established("tcp6"); err != nil {
			t.Fatal(err)
		}
	})
	// The sub-test's cleanup ran: the thread must be gone, so with the
	// sockets closed nothing holds the namespace any more.
	task := fmt.Sprintf("/proc/self/task/%d", ns.tid)
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := os.Stat(task); errors.Is(err, os.ErrNotExist) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("namespace thread %s still alive", task)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := ns.Do(func() error { return nil }); !errors.Is(err, ErrClosed) {
		t.Fatalf("Do after close: %v, want ErrClosed", err)
	}
}

func TestDoSurvivesPanic(t *testing.T) {
	RequirePrivileges(t)
	ns := New(t)
	if err := ns.Do(func() error { panic("boom") }); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("Do with panic: %v", err)
	}
	if err := ns.Do(func() error { return nil }); err != nil {
		t.Fatalf("Do after panic: %v", err)
	}
	// Goexit (what t.FailNow does) ends the namespace but must not hang Do.
	if err := ns.Do(func() error { runtime.Goexit(); return nil }); err == nil {
		t.Fatal("Do with Goexit returned nil")
	}
	if err := ns.Do(func() error { return nil }); !errors.Is(err, ErrClosed) {
		t.Fatalf("Do after Goexit: %v, want ErrClosed", err)
	}
}

func TestConnectClosed(t *testing.T) {
	RequirePrivileges(t)
	for _, network := range networks {
		t.Run(network, func(t *testing.T) {
			ns := New(t)
			port, err := ns.FreePort(network)
			if err != nil {
				t.Fatal(err)
			}
			const count = 1000
			before := counters(t, ns)
			start := time.Now()
			if err := ns.ConnectClosed(network, port, count); err != nil {
				t.Fatal(err)
			}
			elapsed := time.Since(start)
			after := counters(t, ns)
			t.Logf("%d refused connects in %v (%.0f/s)", count, elapsed, count/elapsed.Seconds())
			// Per attempt: our SYN and the RST come in, the kernel sends
			// the RST, the SYN_SENT socket fails.
			expect(t, after, before, map[string]int64{
				"Tcp:InSegs":       2 * count,
				"Tcp:OutSegs":      2 * count,
				"Tcp:OutRsts":      count,
				"Tcp:AttemptFails": count,
				"Tcp:InErrs":       0,
				"Tcp:RetransSegs":  0,
			})
		})
	}
}

func TestConnectClosedRejectsListener(t *testing.T) {
	RequirePrivileges(t)
	ns := New(t)
	var ln net.Listener
	err := ns.Do(func() error {
		var err error
		ln, err = net.Listen("tcp4", "127.0.0.1:0")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := uint16(ln.Addr().(*net.TCPAddr).Port)
	if err := ns.ConnectClosed("tcp4", port, 1); err == nil || !strings.Contains(err.Error(), "succeeded") {
		t.Fatalf("ConnectClosed to a listener: %v, want succeeded error", err)
	}
	if err := ns.ConnectClosed("udp", 1, 1); err == nil {
		t.Fatal("ConnectClosed accepted network udp")
	}
}

func TestSendRawChecksum(t *testing.T) {
	RequirePrivileges(t)
	for _, network := range networks {
		t.Run(network, func(t *testing.T) {
			ns := New(t)
			port, err := ns.FreePort(network)
			if err != nil {
				t.Fatal(err)
			}
			const count = 100
			seg := Segment{Network: network, SrcPort: 40000, DstPort: port, Seq: 1, Flags: SYN, Window: 65535}

			// A correct checksum reaches TCP, which resets the SYN.
			before := counters(t, ns)
			if err := ns.SendRaw(seg, count); err != nil {
				t.Fatal(err)
			}
			after := countersReaching(t, ns, before, "Tcp:InSegs", 2*count)
			// Twice InSegs: the kernel's RST goes to the raw sender's
			// port, which has no socket either, and is dropped too.
			expect(t, after, before, map[string]int64{
				"Tcp:InSegs":       2 * count,
				"Tcp:OutRsts":      count,
				"Tcp:InCsumErrors": 0,
				"Tcp:InErrs":       0,
			})

			// A bad one is dropped before the socket lookup.
			seg.BadChecksum = true
			before = after
			if err := ns.SendRaw(seg, count); err != nil {
				t.Fatal(err)
			}
			after = countersReaching(t, ns, before, "Tcp:InSegs", count)
			expect(t, after, before, map[string]int64{
				"Tcp:InSegs":       count,
				"Tcp:OutRsts":      0,
				"Tcp:InCsumErrors": count,
				"Tcp:InErrs":       count,
			})
		})
	}
}

func TestChecksumKnownValue(t *testing.T) {
	// Worked by hand: 127.0.0.1 -> 127.0.0.1, ports 1 -> 2, SYN, window 0.
	src := []byte{127, 0, 0, 1}
	tcp := make([]byte, 20)
	tcp[1], tcp[3], tcp[12], tcp[13] = 1, 2, 0x50, 0x02
	// 7f00+0001+7f00+0001+0006+0014+0001+0002+5002 = 0x1_4e21 -> 0x4e22
	if got, want := checksum(unix.IPPROTO_TCP, src, src, tcp), ^uint16(0x4e22); got != want {
		t.Fatalf("checksum %#04x, want %#04x", got, want)
	}
}

// NftDrop's rule drops the TCP segments to its port at the input hook,
// before TCP sees them, and counts them; other ports are not affected.
func TestNftDrop(t *testing.T) {
	RequirePrivileges(t)
	for _, tc := range []struct{ network, family string }{
		{"tcp4", "ip"}, {"tcp6", "ip6"}, {"tcp4", "inet"}, {"tcp6", "inet"},
	} {
		t.Run(tc.network+"/"+tc.family, func(t *testing.T) {
			ns := New(t)
			port, err := ns.FreePort(tc.network)
			if err != nil {
				t.Fatal(err)
			}
			ns.NftDrop(t, tc.family, port)
			assertHostHasNoTestTable(t)

			const count = 3
			before := counters(t, ns)
			dropped0 := nftDropped(t, ns, tc.family)
			syn := Segment{Network: tc.network, SrcPort: port, DstPort: port, Seq: 1, Flags: SYN, Window: 1024}
			if err := ns.SendRaw(syn, count); err != nil {
				t.Fatal(err)
			}
			var dropped uint64
			settled(func() bool {
				dropped = nftDropped(t, ns, tc.family) - dropped0
				return dropped >= count
			})
			if dropped != count {
				t.Errorf("nft dropped %d SYNs, want %d", dropped, count)
			}
			// Dropped before TCP: no segment in, no RST out.
			expect(t, counters(t, ns), before, map[string]int64{"Tcp:InSegs": 0, "Tcp:OutRsts": 0})

			other, err := ns.FreePort(tc.network)
			if err != nil {
				t.Fatal(err)
			}
			if err := ns.ConnectClosed(tc.network, other, 1); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestEstablished(t *testing.T) {
	RequirePrivileges(t)
	for _, network := range networks {
		t.Run(network, func(t *testing.T) {
			ns := New(t)
			c, err := ns.Established(network)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if c.ClientPort == 0 || c.ServerPort == 0 || c.ClientPort == c.ServerPort || c.Network != network {
				t.Fatalf("bad conn %+v", c)
			}
			roundTrip(t, c)

			// A SYN on the established 4-tuple draws a challenge ACK,
			// which proves ToServer hits the server socket.
			before := counters(t, ns)
			seg := c.ToServer(SYN, 12345)
			if seg.SrcPort != c.ClientPort || seg.DstPort != c.ServerPort || seg.Flags != SYN || seg.Seq != 12345 {
				t.Fatalf("ToServer = %+v", seg)
			}
			if err := ns.SendRaw(seg, 1); err != nil {
				t.Fatal(err)
			}
			after := countersReaching(t, ns, before, "TcpExt:TCPSYNChallenge", 1)
			expect(t, after, before, map[string]int64{
				"TcpExt:TCPSYNChallenge": 1,
				"Tcp:InCsumErrors":       0,
			})
			roundTrip(t, c)

			if err := c.Close(); err != nil {
				t.Fatal(err)
			}
			if err := c.Close(); err != nil {
				t.Fatalf("second close: %v", err)
			}
		})
	}
}

func roundTrip(t *testing.T, c *Conn) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for _, pair := range [][2]interface {
		io.ReadWriter
		SetDeadline(time.Time) error
	}{{c.Client, c.Server}, {c.Server, c.Client}} {
		from, to := pair[0], pair[1]
		_ = from.SetDeadline(deadline)
		_ = to.SetDeadline(deadline)
		if _, err := from.Write([]byte("ping")); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 4)
		if _, err := io.ReadFull(to, buf); err != nil || string(buf) != "ping" {
			t.Fatalf("read %q: %v", buf, err)
		}
	}
}

// countersReaching reads the namespace's counters until key has grown by
// at least want since before.
func countersReaching(t *testing.T, ns *NS, before Counters, key string, want int64) Counters {
	t.Helper()
	return countersUntil(t, ns, func(after Counters) bool { return after.Delta(before, key) >= want })
}

// countersUntil reads the namespace's counters until done accepts them.
func countersUntil(t *testing.T, ns *NS, done func(Counters) bool) Counters {
	t.Helper()
	var after Counters
	settled(func() bool {
		after = counters(t, ns)
		return done(after)
	})
	return after
}

// settled calls done until it returns true, or 10 s have passed: the
// softirqs that count sent packets may lag the sender, on a slow guest by
// much.
func settled(done func() bool) {
	for deadline := time.Now().Add(10 * time.Second); !done() && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
}

func counters(t *testing.T, ns *NS) Counters {
	t.Helper()
	c, err := ns.Counters()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func expect(t *testing.T, after, before Counters, want map[string]int64) {
	t.Helper()
	for key, w := range want {
		if _, ok := after[key]; !ok {
			t.Errorf("no counter %s", key)
			continue
		}
		if got := after.Delta(before, key); got != w {
			t.Errorf("%s grew by %d, want %d", key, got, w)
		}
	}
}

func nftDropped(t *testing.T, ns *NS, family string) uint64 {
	t.Helper()
	n, err := ns.NftDropped(family)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// assertHostHasNoTestTable checks, read-only, that the table went into the
// namespace and not the host.
func assertHostHasNoTestTable(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := execHost(ctx, "nft", "list", "tables")
	if err != nil {
		t.Fatalf("host nft list tables: %v: %s", err, out)
	}
	if strings.Contains(string(out), NftTable) {
		t.Fatalf("host namespace has table %s:\n%s", NftTable, out)
	}
}

// execHost runs a command in the test process's own (host) namespace.
func execHost(ctx context.Context, name string, args ...string) ([]byte, error) {
	return exec.CommandContext(ctx, name, args...).CombinedOutput()
}
