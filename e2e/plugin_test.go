//go:build linux

package e2e

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// pluginProc is one run of the plugin under Telegraf, and the BPF programs
// and links it held when found.
type pluginProc struct {
	pid          int
	pidfd        int // tells when this process, not a later one with its PID, ends
	progs, links []uint32
}

// pluginProcess finds the one plugin process Telegraf runs now.
func (tg *telegrafProc) pluginProcess(t *testing.T) *pluginProc {
	t.Helper()
	var pids []int
	require.Eventually(t, func() bool {
		pids = children(tg.cmd.Process.Pid, tg.plugin)
		return len(pids) == 1
	}, waitLimit, 50*time.Millisecond, "want one %s under Telegraf", tg.plugin)
	p := &pluginProc{pid: pids[0]}
	fd, err := unix.PidfdOpen(p.pid, 0)
	require.NoError(t, err)
	t.Cleanup(func() { unix.Close(fd) })
	p.pidfd = fd
	p.progs, p.links, err = bpfObjects(p.pid)
	require.NoError(t, err)
	return p
}

// exitedWithin reports whether the process ends within limit.
func (p *pluginProc) exitedWithin(limit time.Duration) bool {
	fds := []unix.PollFd{{Fd: int32(p.pidfd), Events: unix.POLLIN}}
	for deadline := time.Now().Add(limit); ; {
		left := time.Until(deadline)
		if left <= 0 {
			return false
		}
		n, err := unix.Poll(fds, int(left.Milliseconds())+1)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		return err == nil && n == 1
	}
}

// children lists the processes whose parent is ppid and whose program is
// exe.
func children(ppid int, exe string) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue // gone meanwhile
		}
		// "pid (comm) state ppid ...": comm may hold spaces and parentheses.
		f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
		if len(f) < 2 || f[1] != strconv.Itoa(ppid) {
			continue
		}
		if path, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid)); err == nil && path == exe {
			pids = append(pids, pid)
		}
	}
	return pids
}

// bpfObjects lists the IDs of the BPF programs and links whose file
// descriptors process pid holds, from /proc/<pid>/fdinfo. A link's entry
// names its program too, so an entry is a program only without link_id.
func bpfObjects(pid int) (progs, links []uint32, err error) {
	dir := fmt.Sprintf("/proc/%d/fdinfo", pid)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("read fdinfo: %w", err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			continue // closed meanwhile
		}
		ids := map[string]uint32{}
		for _, line := range strings.Split(string(b), "\n") {
			k, v, ok := strings.Cut(line, ":")
			if !ok || (k != "prog_id" && k != "link_id") {
				continue
			}
			id, err := strconv.ParseUint(strings.TrimSpace(v), 10, 32)
			if err != nil {
				return nil, nil, fmt.Errorf("parse %s/%s: %w", dir, e.Name(), err)
			}
			ids[k] = uint32(id)
		}
		if id, ok := ids["link_id"]; ok {
			links = append(links, id)
		} else if id, ok := ids["prog_id"]; ok {
			progs = append(progs, id)
		}
	}
	return progs, links, nil
}

// requireReleased waits until the kernel has freed every program and link
// the process held: looking them up by ID finds nothing.
func requireReleased(t *testing.T, p *pluginProc) {
	t.Helper()
	exists := func() error {
		for _, id := range p.progs {
			prog, err := ebpf.NewProgramFromID(ebpf.ProgramID(id))
			if err == nil {
				prog.Close()
				return fmt.Errorf("program %d still loaded", id)
			}
			if !errors.Is(err, os.ErrNotExist) {
				return err
			}
		}
		for _, id := range p.links {
			l, err := link.NewFromID(link.ID(id))
			if err == nil {
				l.Close()
				return fmt.Errorf("link %d still exists", id)
			}
			if !errors.Is(err, os.ErrNotExist) {
				return err
			}
		}
		return nil
	}
	require.EventuallyWithT(t, func(c *assert.CollectT) { assert.NoError(c, exists()) },
		waitLimit, 50*time.Millisecond, "BPF objects of plugin %d", p.pid)
}
