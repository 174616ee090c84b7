package owner

import (
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tcpdrop/tcpdrop/internal/dockertest"
)

// containersEnv sets how many containers BenchmarkResolveDocker starts
// (default 100; 500 take this 2-CPU host about 4 minutes to start).
const containersEnv = "TCPDROP_BENCH_CONTAINERS"

// What resolving a window costs on this host with real Docker containers,
// each ref twice (by cgroup, and by namespace alone), names from the API.
// Cold is New and the first window, warm a window in which nothing
// changed.
func BenchmarkResolveDocker(b *testing.B) {
	n := 100
	if s := os.Getenv(containersEnv); s != "" {
		var err error
		n, err = strconv.Atoi(s)
		require.NoError(b, err, containersEnv)
	}
	d := dockertest.Start(b)
	image := d.Image(b)
	prefix := fmt.Sprintf("tcpdrop-bench-%d", time.Now().UnixNano())
	var refs []Ref
	for i := range n {
		c := d.Run(b, image, fmt.Sprintf("%s-%d", prefix, i), "/bin/busybox", "sleep", "3600")
		netns, cgroup := netnsOf(b, c.PID), cgroupOf(b, c.PID)
		refs = append(refs, Ref{Cgroup: cgroup, Netns: netns}, Ref{Netns: netns})
	}
	cfg := Config{ProcRoot: "/proc", NetnsDir: "/run/netns", DockerEndpoint: d.Endpoint}
	resolve := func(r *Resolver) {
		got := r.Resolve(refs)
		for _, o := range got {
			require.NotEmpty(b, o.Container.Name)
		}
	}
	b.Run("cold", func(b *testing.B) {
		for b.Loop() {
			r, err := New(cfg, &countLog{})
			require.NoError(b, err)
			resolve(r)
			require.NoError(b, r.Close())
		}
	})
	b.Run("warm", func(b *testing.B) {
		r, err := New(cfg, &countLog{})
		require.NoError(b, err)
		defer r.Close()
		resolve(r)
		for b.Loop() {
			resolve(r)
		}
	})
}
