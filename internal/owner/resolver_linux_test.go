package owner

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func newResolver(t *testing.T, h *fakeHost) (*Resolver, *countLog) {
	t.Helper()
	log := &countLog{}
	r, err := New(h.config(), log)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, r.Close()) })
	log.take()
	return r, log
}

func TestResolveCgroups(t *testing.T) {
	h := newFakeHost(t)
	cg, _ := h.container(t, id)
	service := h.mkCgroup(t, "system.slice/nginx.service")
	root := h.mkCgroup(t, ".")
	r, log := newResolver(t, h)

	docker := Ref{Cgroup: cg}
	got := r.Resolve([]Ref{docker, {Cgroup: service}, {Cgroup: root}})
	require.Equal(t, map[Ref]Owner{
		docker:            {Cgroup: "system.slice/docker-" + id + ".scope", Container: Container{Runtime: Docker, ID: id}},
		{Cgroup: service}: {Cgroup: "system.slice/nginx.service"},
		{Cgroup: root}:    {Cgroup: "/"},
	}, got)
	require.Empty(t, log.take(), "all cached since New")

	// A new cgroup: one rescan for two unknown IDs, of which one is none.
	added := h.mkCgroup(t, "system.slice/added.service")
	got = r.Resolve([]Ref{{Cgroup: added}, {Cgroup: 1 << 60}})
	require.Equal(t, Owner{Cgroup: "system.slice/added.service"}, got[Ref{Cgroup: added}])
	require.Equal(t, Owner{}, got[Ref{Cgroup: 1 << 60}])
	require.Equal(t, map[string]int{"cgroups": 1}, log.take())
	// An ID no rescan found causes none while it is asked for.
	r.Resolve([]Ref{{Cgroup: 1 << 60}, {Cgroup: added}})
	require.Empty(t, log.take())

	// A removed cgroup is forgotten at the next rescan. (The fake's
	// inodes, unlike cgroup IDs, are reused: the new one is made first.)
	other := h.mkCgroup(t, "system.slice/other.service")
	require.NoError(t, os.Remove(filepath.Join(h.cgroup, "system.slice/nginx.service")))
	require.Equal(t, "system.slice/nginx.service", r.Resolve([]Ref{{Cgroup: service}})[Ref{Cgroup: service}].Cgroup)
	got = r.Resolve([]Ref{{Cgroup: service}, {Cgroup: other}})
	require.Equal(t, Owner{}, got[Ref{Cgroup: service}])
	require.Equal(t, map[string]int{"cgroups": 1}, log.take())
}

func TestResolveNetns(t *testing.T) {
	h := newFakeHost(t)
	_, netns := h.container(t, id)
	// A container with the host's network owns none of its drops.
	h.mkCgroup(t, "system.slice/docker-"+inner+".scope")
	h.process(t, h.host, "0::/system.slice/docker-"+inner+".scope")
	// A namespace ip netns made, and one a process made, neither a
	// container's.
	named, namedPath := h.netns(t)
	require.NoError(t, os.Link(namedPath, filepath.Join(h.netnsDir, "test")))
	plain, plainPath := h.netns(t)
	h.process(t, plainPath, "0::/user.slice")
	r, log := newResolver(t, h)

	refs := []Ref{{Netns: netns}, {Netns: h.hostNetns}, {Netns: named}, {Netns: plain}, {}}
	got := r.Resolve(refs)
	require.Equal(t, map[Ref]Owner{
		{Netns: netns}:       {Cgroup: "system.slice/docker-" + id + ".scope", Container: Container{Runtime: Docker, ID: id}},
		{Netns: h.hostNetns}: {},
		{Netns: named}:       {},
		{Netns: plain}:       {},
		{}:                   {},
	}, got)
	require.Empty(t, log.take(), "all indexed since New")
	require.Empty(t, r.Missing())

	// A new container: one rebuild for it and an unknown namespace, which
	// causes none afterwards.
	_, added := h.container(t, inner)
	got = r.Resolve([]Ref{{Netns: added}, {Netns: 1 << 30}})
	require.Equal(t, Container{Runtime: Docker, ID: inner}, got[Ref{Netns: added}].Container)
	require.Equal(t, map[string]int{"network namespaces": 1}, log.take())
	r.Resolve([]Ref{{Netns: added}, {Netns: 1 << 30}})
	require.Empty(t, log.take())

	// When the process an entry was found through exits, the namespace
	// may be gone and its inode given to another: the entry is checked.
	h.exit(t, 2)
	got = r.Resolve([]Ref{{Netns: netns}})
	require.Equal(t, Owner{}, got[Ref{Netns: netns}])
	require.Equal(t, map[string]int{"network namespaces": 1}, log.take())
}

// fakeLister lists fixed names and counts its listings.
type fakeLister struct {
	byID  map[string]string
	err   error
	calls int
}

func (f *fakeLister) list(context.Context) (map[string]string, error) {
	f.calls++
	return f.byID, f.err
}

func TestResolveNames(t *testing.T) {
	h := newFakeHost(t)
	cg, _ := h.container(t, id)
	pod := h.mkCgroup(t, "kubepods/besteffort/pod"+uid+"/"+inner)
	crio := h.mkCgroup(t, "machine.slice/crio-"+hexID(3)+".scope")
	r, log := newResolver(t, h)
	api := &fakeLister{byID: map[string]string{id: "web", inner: "k8s_app"}}
	r.names = &cache[string, string]{what: "container names", build: listNames(api)}

	refs := []Ref{{Cgroup: cg}, {Cgroup: pod}, {Cgroup: crio}}
	got := r.Resolve(refs)
	require.Equal(t, Container{Runtime: Docker, ID: id, Name: "web"}, got[refs[0]].Container)
	// Docker lists it: its runtime is Docker's.
	require.Equal(t, Container{Runtime: Docker, ID: inner, Name: "k8s_app", PodUID: uid}, got[refs[1]].Container)
	require.Equal(t, Container{Runtime: CRIO, ID: hexID(3)}, got[refs[2]].Container, "names come from Docker alone")
	require.Equal(t, 1, api.calls)
	r.Resolve(refs)
	require.Equal(t, 1, api.calls)

	// An ID Docker does not list is asked for once while it is asked for.
	unlisted := h.mkCgroup(t, "docker/"+hexID(4))
	r.Resolve(append(refs, Ref{Cgroup: unlisted}))
	r.Resolve(append(refs, Ref{Cgroup: unlisted}))
	require.Equal(t, 2, api.calls)

	// Removed containers are forgotten at the next listing; when listing
	// fails, the names known stay and Missing says why.
	api.byID = map[string]string{hexID(4): "late"}
	added := h.mkCgroup(t, "docker/"+hexID(5))
	got = r.Resolve([]Ref{{Cgroup: cg}, {Cgroup: added}})
	require.Equal(t, Container{Runtime: Docker, ID: id}, got[Ref{Cgroup: cg}].Container)
	require.Equal(t, 3, api.calls)
	api.err = errors.New("connection refused")
	late := Ref{Cgroup: h.mkCgroup(t, "docker/"+hexID(6))}
	got = r.Resolve([]Ref{{Cgroup: unlisted}, late})
	require.Equal(t, "late", got[Ref{Cgroup: unlisted}].Container.Name)
	require.Contains(t, r.Missing(), "Docker containers are named by ID only: connection refused (is the daemon running?)")
	// While listing fails, each window with an unknown ID tries again
	// (once), and the failure is logged once.
	r.Resolve([]Ref{{Cgroup: unlisted}, late})
	require.Equal(t, 5, api.calls)
	require.Len(t, log.warns, 1)
	api.err = nil
	api.byID = map[string]string{hexID(6): "back"}
	require.Equal(t, "back", r.Resolve([]Ref{late})[late].Container.Name)
	require.Empty(t, r.Missing())
}
