package listeners

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/tcpdrop/tcpdrop/internal/netnstest"
)

// BenchmarkScan measures one window's scan, discovery and growth included,
// of the host with n namespaces made by the benchmark, each with one
// listener. The host's own namespaces come on top (one on a bare machine).
func BenchmarkScan(b *testing.B) {
	netnstest.RequirePrivileges(b)
	var made []*netnstest.NS
	defer func() {
		for _, ns := range made {
			ns.Close()
		}
	}()
	for _, n := range benchSizes {
		for len(made) < n {
			ns, err := netnstest.Open()
			require.NoError(b, err)
			made = append(made, ns)
			_, err = ns.ListenBacklog("tcp4", 128)
			require.NoError(b, err)
		}
		b.Run(fmt.Sprintf("namespaces=%d", n), func(b *testing.B) {
			s, err := NewScanner(Config{ProcRoot: "/proc", NetnsDir: "/run/netns"})
			require.NoError(b, err)
			defer s.Close()
			var g Growth
			before := cpuTime(b)
			for b.Loop() {
				sc, err := s.Scan()
				require.NoError(b, err)
				g.Update(sc)
				b.ReportMetric(float64(len(sc.Namespaces)), "namespaces")
			}
			b.ReportMetric(float64(cpuTime(b)-before)/float64(b.N), "cpu-ns/op")
		})
	}
}

var benchSizes = []int{1, 100, 1000}

// cpuTime is the user and system time of the process so far: the scan's
// cost in the kernel (sock_diag, /proc) shows as system time.
func cpuTime(b *testing.B) time.Duration {
	var ru unix.Rusage
	require.NoError(b, unix.Getrusage(unix.RUSAGE_SELF, &ru))
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
