package listeners

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

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
			_, err = ns.Listen("tcp4", 128)
			require.NoError(b, err)
		}
		b.Run(fmt.Sprintf("namespaces=%d", n), func(b *testing.B) {
			s, err := NewScanner(Config{ProcRoot: "/proc", NetnsDir: "/run/netns"})
			require.NoError(b, err)
			defer s.Close()
			var g Growth
			for b.Loop() {
				sc, err := s.Scan()
				require.NoError(b, err)
				g.Update(sc)
				b.ReportMetric(float64(len(sc.Namespaces)), "namespaces")
			}
		})
	}
}

var benchSizes = []int{1, 100, 1000}
