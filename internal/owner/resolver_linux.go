package owner

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"github.com/prometheus/procfs"
	"golang.org/x/sys/unix"

	"github.com/tcpdrop/tcpdrop/internal/cgroup2"
	"github.com/tcpdrop/tcpdrop/internal/netnsscan"
)

// Resolver finds the owners of a window's drops. Each of its caches is
// rebuilt at most once per Resolve, and only when something unknown
// appears, so a window in which nothing changed reads almost nothing. It
// is not safe for concurrent use.
type Resolver struct {
	log     Logger
	tree    *cgroupTree            // nil without a cgroup2 mount
	cgroups *cache[uint64, string] // paths by ID
	netns   namespaces
	byNetns *cache[uint64, netnsEntry] // by inode
	// hostGuess says the host's namespace is taken as this process's own:
	// /proc/1/ns/net could not be read.
	hostGuess error
	// sysPtrace says the resolver has CAP_SYS_PTRACE, so what it cannot
	// read was refused for another reason.
	sysPtrace bool
	names     *cache[string, string] // by ID; nil without a Docker endpoint
	docker    *docker
}

// New builds the resolver's caches, so that Missing tells at once what it
// cannot see, and makes a Docker API client if cfg names an endpoint.
func New(cfg Config, log Logger) (*Resolver, error) {
	proc, err := procfs.NewFS(cfg.ProcRoot)
	if err != nil {
		return nil, fmt.Errorf("proc: %w", err)
	}
	caps, err := netnsscan.EffectiveCaps()
	if err != nil {
		return nil, err
	}
	r := &Resolver{log: log, netns: namespaces{proc: proc, procRoot: cfg.ProcRoot, netnsDir: cfg.NetnsDir},
		sysPtrace: caps&(1<<unix.CAP_SYS_PTRACE) != 0}
	// The host's namespace is that of its init, under ProcRoot: in a
	// container given the host's proc, this process's own namespace may
	// be the container's.
	if r.netns.host, err = netnsscan.Inode(filepath.Join(cfg.ProcRoot, "1", "ns", "net")); err != nil {
		r.hostGuess = err
		if r.netns.host, err = netnsscan.Inode("/proc/self/ns/net"); err != nil {
			return nil, fmt.Errorf("own netns: %w", err)
		}
	}
	r.byNetns = &cache[uint64, netnsEntry]{what: "network namespaces", build: r.netns.scan, current: r.netns.current}
	if r.byNetns.entries, err = r.netns.scan(); err != nil {
		return nil, fmt.Errorf("network namespaces: %w", err)
	}
	root := cfg.CgroupRoot
	if root == "" {
		if root, err = cgroup2.Find(); err != nil {
			return nil, err
		}
	}
	if root != "" {
		r.tree = &cgroupTree{root: root}
		r.cgroups = &cache[uint64, string]{what: "cgroups", build: r.tree.walk}
		if r.cgroups.entries, err = r.tree.walk(); err != nil {
			return nil, fmt.Errorf("cgroup tree: %w", err)
		}
	}
	if cfg.DockerEndpoint != "" {
		if r.docker, err = newDocker(cfg.DockerEndpoint); err != nil {
			return nil, err
		}
		r.names = &cache[string, string]{what: "container names", build: listNames(r.docker)}
		r.names.rebuild(log)
	}
	return r, nil
}

// Resolve finds the owners of a window's distinct refs.
func (r *Resolver) Resolve(refs []Ref) map[Ref]Owner {
	ids := make(map[uint64]bool)
	for _, ref := range refs {
		if ref.Cgroup != 0 {
			ids[ref.Cgroup] = true
		}
	}
	var paths map[uint64]string
	if r.tree != nil && len(ids) > 0 {
		paths = r.cgroups.lookup(ids, r.log)
	}
	owners := make(map[Ref]Owner, len(refs))
	inos := make(map[uint64]bool)
	for _, ref := range refs {
		o := Owner{Cgroup: paths[ref.Cgroup]}
		o.Container = ParseCgroupPath(o.Cgroup)
		if o.Container == (Container{}) && ref.Netns != 0 {
			inos[uint64(ref.Netns)] = true
		}
		owners[ref] = o
	}
	delete(inos, r.netns.host)
	if len(inos) > 0 {
		byNetns := r.byNetns.lookup(inos, r.log)
		for ref, o := range owners {
			if o.Container != (Container{}) {
				continue
			}
			ns := byNetns[uint64(ref.Netns)].owner
			o.Container = ns.Container
			if o.Cgroup == "" {
				o.Cgroup = ns.Cgroup // a drop without a socket: its container's
			}
			owners[ref] = o
		}
	}
	r.name(owners)
	return owners
}

// name adds Docker's names, to the containers of Docker and to those whose
// layout does not tell the runtime, which Docker's listing then tells.
func (r *Resolver) name(owners map[Ref]Owner) {
	if r.names == nil {
		return
	}
	ids := make(map[string]bool)
	for _, o := range owners {
		if c := o.Container; c.ID != "" && (c.Runtime == Docker || c.Runtime == "") {
			ids[c.ID] = true
		}
	}
	if len(ids) == 0 {
		return
	}
	byID := r.names.lookup(ids, r.log)
	for ref, o := range owners {
		if name, ok := byID[o.Container.ID]; ok {
			o.Container.Name, o.Container.Runtime = name, Docker
			owners[ref] = o
		}
	}
}

// Missing says what the resolver cannot see and what would let it, as of
// its last rebuilds.
func (r *Resolver) Missing() []string {
	var m []string
	ptrace := "reading /proc/PID/ns/net of another user's process needs CAP_SYS_PTRACE"
	if r.sysPtrace {
		ptrace = "ptrace read access was refused despite CAP_SYS_PTRACE (a security module?)"
	}
	if r.hostGuess != nil {
		m = append(m, fmt.Sprintf("the host's network namespace is taken as the plugin's own: %v: %s", r.hostGuess, ptrace))
	}
	if n := r.netns.hidden; n > 0 {
		m = append(m, fmt.Sprintf("the network namespaces of %d processes are not visible, so drops there name no container: %s", n, ptrace))
	}
	switch {
	case r.tree == nil:
		m = append(m, "cgroup paths are not known: no cgroup2 hierarchy is mounted (a cgroup v1 host)")
	case r.tree.denied > 0:
		m = append(m, fmt.Sprintf("cgroup paths are not known below %d cgroup directories that could not be read", r.tree.denied))
	}
	if r.names != nil && r.names.err != nil {
		why := "is the daemon running?"
		if errors.Is(r.names.err, fs.ErrPermission) {
			why = "its socket needs root or the docker group"
		}
		m = append(m, fmt.Sprintf("Docker containers are named by ID only: %v (%s)", r.names.err, why))
	}
	return m
}

// Close releases the Docker API client; it is safe on nil.
func (r *Resolver) Close() error {
	if r == nil || r.docker == nil {
		return nil
	}
	return r.docker.Close()
}
