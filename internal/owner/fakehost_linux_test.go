package owner

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tcpdrop/tcpdrop/internal/netnsscan"
)

// fakeHost is a proc tree, a cgroup2 tree and a netns directory in plain
// files: a namespace is a file whose inode stands for the namespace's, and
// a task's ns/net a hard link to it; a cgroup is a directory.
type fakeHost struct {
	proc, cgroup, netnsDir, ns string
	host                       string // the host's namespace file
	hostNetns                  uint32
	next                       int // the next PID
}

func newFakeHost(tb testing.TB) *fakeHost {
	tb.Helper()
	dir := tb.TempDir()
	h := &fakeHost{proc: filepath.Join(dir, "proc"), cgroup: filepath.Join(dir, "cgroup"),
		netnsDir: filepath.Join(dir, "netns"), ns: filepath.Join(dir, "ns"), next: 1}
	for _, d := range []string{h.proc, h.cgroup, h.netnsDir, h.ns} {
		require.NoError(tb, os.Mkdir(d, 0o755))
	}
	h.hostNetns, h.host = h.netns(tb)
	h.process(tb, h.host, "0::/init.scope") // PID 1
	return h
}

// netns makes a namespace.
func (h *fakeHost) netns(tb testing.TB) (uint32, string) {
	tb.Helper()
	f, err := os.CreateTemp(h.ns, "")
	require.NoError(tb, err)
	require.NoError(tb, f.Close())
	ino, err := netnsscan.Inode(f.Name())
	require.NoError(tb, err)
	return uint32(ino), f.Name()
}

// process starts a process in the namespace at ns with the cgroup lines
// of /proc/PID/cgroup.
func (h *fakeHost) process(tb testing.TB, ns string, cgroup ...string) int {
	tb.Helper()
	pid := h.next
	h.next++
	dir := filepath.Join(h.proc, strconv.Itoa(pid))
	task := filepath.Join(dir, "task", strconv.Itoa(pid), "ns")
	require.NoError(tb, os.MkdirAll(task, 0o755))
	require.NoError(tb, os.Link(ns, filepath.Join(task, "net")))
	if pid == 1 {
		require.NoError(tb, os.Mkdir(filepath.Join(dir, "ns"), 0o755))
		require.NoError(tb, os.Link(ns, filepath.Join(dir, "ns", "net")))
	}
	require.NoError(tb, os.WriteFile(filepath.Join(dir, "cgroup"), []byte(strings.Join(cgroup, "\n")+"\n"), 0o444))
	return pid
}

// exit ends a process.
func (h *fakeHost) exit(tb testing.TB, pid int) {
	tb.Helper()
	require.NoError(tb, os.RemoveAll(filepath.Join(h.proc, strconv.Itoa(pid))))
}

// mkCgroup makes a cgroup and returns its ID.
func (h *fakeHost) mkCgroup(tb testing.TB, rel string) uint64 {
	tb.Helper()
	path := filepath.Join(h.cgroup, rel)
	require.NoError(tb, os.MkdirAll(path, 0o755))
	ino, err := netnsscan.Inode(path)
	require.NoError(tb, err)
	return ino
}

// container makes a Docker container (systemd driver): its cgroup, its
// namespace and its init.
func (h *fakeHost) container(tb testing.TB, id string) (cgroup uint64, netns uint32) {
	tb.Helper()
	rel := "system.slice/docker-" + id + ".scope"
	cgroup = h.mkCgroup(tb, rel)
	netns, path := h.netns(tb)
	h.process(tb, path, "0::/"+rel)
	return cgroup, netns
}

func (h *fakeHost) config() Config {
	return Config{ProcRoot: h.proc, CgroupRoot: h.cgroup, NetnsDir: h.netnsDir}
}

// hexID is a container ID made from n.
func hexID(n int) string {
	return fmt.Sprintf("%064x", n)
}

// countLog counts the rescans, rebuilds and listings it is told of.
type countLog struct {
	mu     sync.Mutex
	counts map[string]int
	warns  []string
}

func (l *countLog) Debugf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.counts == nil {
		l.counts = map[string]int{}
	}
	l.counts[strings.SplitN(fmt.Sprintf(format, args...), ":", 2)[0]]++
}

func (l *countLog) Warnf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.warns = append(l.warns, fmt.Sprintf(format, args...))
}

// take returns the counts since the last take.
func (l *countLog) take() map[string]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.counts
	l.counts = nil
	if c == nil {
		c = map[string]int{}
	}
	return c
}
