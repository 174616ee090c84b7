package listeners

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"
	"slices"

	"github.com/mdlayher/netlink"
	"github.com/prometheus/procfs"

	"github.com/tcpdrop/tcpdrop/internal/netnsscan"
	"golang.org/x/sys/unix"
)

// Scanner reads the listeners of every namespace it can reach.
type Scanner struct {
	cfg  Config
	host procfs.FS // under ProcRoot
	self procfs.FS // this process's own /proc, for its thread ids
	own  *os.File  // this process's namespace, to return to
	ino  uint64    // its inode
	next uint64    // with MaxNamespaces: the inode the next scan starts at
	caps Access    // the capabilities it has, for Access
}

// NewScanner opens the scanner's own namespace. Call it, and Scan, from a
// goroutine on a thread of the process's own namespace.
func NewScanner(cfg Config) (*Scanner, error) {
	host, err := procfs.NewFS(cfg.ProcRoot)
	if err != nil {
		return nil, err
	}
	self, err := procfs.NewFS("/proc")
	if err != nil {
		return nil, err
	}
	own, err := os.Open("/proc/self/ns/net")
	if err != nil {
		return nil, err
	}
	var st unix.Stat_t
	if err := unix.Fstat(int(own.Fd()), &st); err != nil {
		own.Close()
		return nil, fmt.Errorf("stat own netns: %w", err)
	}
	caps, err := netnsscan.EffectiveCaps()
	if err != nil {
		own.Close()
		return nil, err
	}
	return &Scanner{cfg: cfg, host: host, self: self, own: own, ino: st.Ino, caps: Access{
		SysPtrace: caps&(1<<unix.CAP_SYS_PTRACE) != 0,
		SysAdmin:  caps&(1<<unix.CAP_SYS_ADMIN) != 0,
	}}, nil
}

// Close releases the scanner; it is safe on nil.
func (s *Scanner) Close() error {
	if s == nil {
		return nil
	}
	return s.own.Close()
}

// Own is the inode of the scanner's own namespace.
func (s *Scanner) Own() uint64 { return s.ino }

// Scan finds the namespaces and reads those whose turn it is. A namespace
// that disappears meanwhile is left out without an error.
func (s *Scanner) Scan() (Scan, error) {
	found, hidden, err := netnsscan.Discover(s.cfg.ProcRoot, s.cfg.NetnsDir)
	if err != nil {
		return Scan{}, fmt.Errorf("find namespaces: %w", err)
	}
	scan := Scan{Access: s.caps}
	scan.Access.Hidden = hidden
	for ino := range found {
		scan.Known = append(scan.Known, ino)
	}
	slices.Sort(scan.Known)
	// The scanner's own namespace is read every time; the cap takes the
	// others in turn.
	others := slices.DeleteFunc(slices.Clone(scan.Known), func(ino uint64) bool { return ino == s.ino })
	turn := s.turn(others)
	if len(others) < len(scan.Known) {
		turn = append([]uint64{s.ino}, turn...)
	}
	var gone []uint64
	for _, ino := range turn {
		ns, err := s.read(found[ino])
		switch {
		case errors.Is(err, errGone):
			gone = append(gone, ino)
			continue
		case errors.Is(err, fs.ErrPermission):
			scan.Access.Hidden++
			continue
		case err != nil:
			return Scan{}, fmt.Errorf("netns %d: %w", ino, err)
		}
		if !ns.Listed {
			scan.Access.Unentered++
		}
		scan.Namespaces = append(scan.Namespaces, ns)
	}
	scan.Known = slices.DeleteFunc(scan.Known, func(ino uint64) bool { return slices.Contains(gone, ino) })
	return scan, nil
}

// turn picks the namespaces of this scan from all of them, sorted, and
// moves the cursor past them.
func (s *Scanner) turn(all []uint64) []uint64 {
	max := s.cfg.MaxNamespaces
	if max <= 0 || len(all) <= max {
		return all
	}
	start, _ := slices.BinarySearch(all, s.next)
	picked := make([]uint64, 0, max)
	for i := range max {
		picked = append(picked, all[(start+i)%len(all)])
	}
	s.next = picked[len(picked)-1] + 1
	return picked
}

// errGone marks a namespace that disappeared while it was read.
var errGone = errors.New("namespace gone")

// read lists one namespace's listeners and reads its netstat counters.
func (s *Scanner) read(p netnsscan.Place) (Namespace, error) {
	ns := Namespace{Inode: p.Inode}
	if p.Inode == s.ino {
		c, err := netlink.Dial(unix.NETLINK_INET_DIAG, nil)
		if err != nil {
			return ns, fmt.Errorf("sock_diag: %w", err)
		}
		defer c.Close()
		if ns.Listeners, err = listListeners(c); err != nil {
			return ns, err
		}
		ns.Listed = true
		ns.Netstat, _ = readNetstat(s.self, os.Getpid()) // nil: not reported
		return ns, nil
	}
	f, err := os.Open(p.Path)
	if err != nil {
		return ns, goneOr(err)
	}
	defer f.Close()
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil || st.Ino != p.Inode {
		return ns, errGone // the task moved to another namespace
	}
	c, netstat, err := s.enter(f)
	switch {
	case errors.Is(err, unix.EINVAL):
		return ns, errGone // a name without a namespace mounted on it
	case errors.Is(err, unix.EPERM):
		// Without CAP_SYS_ADMIN only the counters of namespaces with a
		// task can be read, from outside.
		if p.TID != 0 {
			ns.Netstat = s.netstatOutside(p)
		}
		return ns, nil
	case err != nil:
		return ns, err
	}
	defer c.Close()
	ns.Netstat = netstat
	if ns.Listeners, err = listListeners(c); err != nil {
		return ns, err
	}
	ns.Listed = true
	return ns, nil
}

// enter makes a sock_diag socket inside the namespace of f and reads the
// namespace's netstat counters there. It works on a thread of its own,
// which the runtime ends if the thread cannot return to the scanner's own
// namespace.
func (s *Scanner) enter(f *os.File) (*netlink.Conn, *Netstat, error) {
	type result struct {
		c       *netlink.Conn
		netstat *Netstat
		err     error
	}
	done := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			done <- result{err: fmt.Errorf("setns: %w", err)}
			return
		}
		c, err := netlink.Dial(unix.NETLINK_INET_DIAG, nil)
		var netstat *Netstat
		if err == nil {
			netstat, _ = readNetstat(s.self, unix.Gettid()) // nil: not reported
		}
		if rerr := unix.Setns(int(s.own.Fd()), unix.CLONE_NEWNET); rerr != nil {
			if c != nil {
				c.Close()
			}
			done <- result{err: fmt.Errorf("return to own netns: %w", rerr)}
			return // still locked: the thread ends with the goroutine
		}
		runtime.UnlockOSThread()
		if err != nil && c != nil {
			c.Close()
			c = nil
		}
		done <- result{c, netstat, err}
	}()
	r := <-done
	return r.c, r.netstat, r.err
}

// netstatOutside reads the counters of a namespace through the proc
// directory of a task in it, and keeps them only if the task was still in
// that namespace afterwards.
func (s *Scanner) netstatOutside(p netnsscan.Place) *Netstat {
	n, err := readNetstat(s.host, p.TID)
	if err != nil {
		return nil
	}
	if ino, err := netnsscan.Inode(p.Path); err != nil || ino != p.Inode {
		return nil
	}
	return n
}

// goneOr turns the errors of a vanished task or namespace into errGone.
func goneOr(err error) error {
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, unix.ESRCH) {
		return errGone
	}
	return err
}
