package probe

import (
	"io"
	"net"
	"testing"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"

	"github.com/tcpdrop/tcpdrop/internal/drop"
	"github.com/tcpdrop/tcpdrop/internal/netnstest"
)

// BenchmarkReceiveHooks measures what the receive hooks cost normal
// traffic: 1 KiB messages, one segment each (TCP_NODELAY), over loopback,
// with the probe as the plugin loads it and the hooks off or on. Besides
// ns/op it reports the segments each message takes and, with the hooks
// on, their run time in the kernel per received segment. It needs a
// kernel that allows fentry (the matrix's guests); elsewhere "on" is
// skipped.
func BenchmarkReceiveHooks(b *testing.B) {
	netnstest.RequirePrivileges(b)
	for _, hooks := range []bool{false, true} {
		name := map[bool]string{false: "off", true: "on"}[hooks]
		b.Run(name, func(b *testing.B) {
			// The mode a kernel without rx_sk runs, also where it has it.
			mode := ModeRaw
			if netnstest.KernelAtLeast(b, 5, 17) {
				mode = ModeBTF
			}
			p, err := Open(Options{Mode: mode, Dims: drop.DimReason | drop.DimState | drop.DimFlags | drop.DimFrame,
				MaxKeys: 4096, ReceiveHooks: hooks})
			if err != nil {
				b.Fatal(err)
			}
			defer p.Close()
			if hooks && p.Info().StateFrom != StateFromHooks {
				b.Skipf("no receive hooks here: %s (%v)", p.Info().StateFrom, p.Info().Skipped)
			}
			ns := netnstest.New(b)
			conn, err := ns.Established("tcp4")
			if err != nil {
				b.Fatal(err)
			}
			defer conn.Close()
			if err := conn.Client.(*net.TCPConn).SetNoDelay(true); err != nil {
				b.Fatal(err)
			}
			stop, err := ebpf.EnableStats(unix.BPF_STATS_RUN_TIME)
			if err != nil {
				b.Fatal(err)
			}
			defer stop.Close()
			before, err := ns.Counters()
			if err != nil {
				b.Fatal(err)
			}
			runs, runtime := hookStats(b, p)
			msg, got := make([]byte, 1024), make([]byte, 1024)
			b.SetBytes(int64(len(msg)))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := conn.Client.Write(msg); err != nil {
					b.Fatal(err)
				}
				if _, err := io.ReadFull(conn.Server, got); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			after, err := ns.Counters()
			if err != nil {
				b.Fatal(err)
			}
			segs := after.Delta(before, "Tcp:InSegs")
			b.ReportMetric(float64(segs)/float64(b.N), "segs/op")
			if hooks {
				runs2, runtime2 := hookStats(b, p)
				b.ReportMetric(float64(runtime2-runtime)/float64(segs), "hook-ns/seg")
				b.ReportMetric(float64(runs2-runs)/float64(segs), "hook-runs/seg")
			}
		})
	}
}

// hookStats sums the run count and run time (ns) of p's receive hooks.
func hookStats(b *testing.B, p *Probe) (runs, ns uint64) {
	for name, prog := range p.coll.Programs {
		if prog == p.prog {
			continue
		}
		st, err := prog.Stats()
		if err != nil {
			b.Fatalf("%s: %v", name, err)
		}
		runs += st.RunCount
		ns += uint64(st.Runtime)
	}
	return runs, ns
}
