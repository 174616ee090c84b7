package owner

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// What resolving a window costs with 500 Docker containers (a fake host:
// each with its cgroup, namespace and init, beside 1,000 host processes
// and 100 services' cgroups), each ref twice: by cgroup, and without a
// socket by namespace. Cold is New and the first window; warm a window
// in which nothing changed.
func BenchmarkResolve(b *testing.B) {
	const containers = 500
	h := newFakeHost(b)
	for i := range 100 {
		h.mkCgroup(b, "system.slice/"+hexID(i)[56:]+".service")
	}
	for range 1000 {
		h.process(b, h.host, "0::/system.slice/ssh.service")
	}
	var refs []Ref
	for i := range containers {
		cg, ns := h.container(b, hexID(i))
		refs = append(refs, Ref{Cgroup: cg, Netns: ns}, Ref{Netns: ns})
	}
	resolve := func(r *Resolver) {
		got := r.Resolve(refs)
		require.Len(b, got, len(refs))
		for _, o := range got {
			require.NotEmpty(b, o.Container.ID)
		}
	}
	b.Run("cold", func(b *testing.B) {
		for b.Loop() {
			r, err := New(h.config(), &countLog{})
			require.NoError(b, err)
			resolve(r)
		}
	})
	b.Run("warm", func(b *testing.B) {
		r, err := New(h.config(), &countLog{})
		require.NoError(b, err)
		resolve(r)
		for b.Loop() {
			resolve(r)
		}
	})
}
