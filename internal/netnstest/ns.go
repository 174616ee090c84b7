//go:build linux

package netnstest

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// ErrClosed is returned by NS methods once the namespace thread is gone.
var ErrClosed = errors.New("netns closed")

// NS is a network namespace served by one locked OS thread: a private one,
// or one the test joined.
type NS struct {
	pid, tid int
	inode    uint64
	enter    func() error // moves the namespace thread into it

	reqs   chan request
	stop   chan struct{}
	exited chan struct{}

	mu       sync.Mutex
	closers  []func() error  // sockets to close before the thread exits
	nftFams  map[string]bool // nft families with a cleanup registered
	nextPort int             // next candidate for FreePort, counts down
	closed   bool
}

type request struct {
	fn     func() error
	result chan error
}

// New creates a namespace with lo up for IPv4 and IPv6, and registers its
// teardown with t.Cleanup. It fails t if anything goes wrong.
func New(t testing.TB) *NS {
	t.Helper()
	n, err := Open()
	if err != nil {
		t.Fatalf("netnstest: %v", err)
	}
	t.Cleanup(n.Close)
	return n
}

// Open is New for programs that are not tests, such as the benchmark: the
// caller must Close the namespace.
func Open() (*NS, error) {
	return open(func() error {
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			return fmt.Errorf("unshare netns: %w", err)
		}
		return nil
	})
}

// Join is New for a namespace that exists, such as a container's, named
// by a file of it (/proc/PID/ns/net): the test's sockets then live there
// beside the container's. Close leaves the namespace to its owner.
func Join(t testing.TB, path string) *NS {
	t.Helper()
	n, err := open(func() error {
		fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			return fmt.Errorf("open netns: %w", err)
		}
		defer unix.Close(fd)
		if err := unix.Setns(fd, unix.CLONE_NEWNET); err != nil {
			return fmt.Errorf("setns: %w", err)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("netnstest: %v", err)
	}
	t.Cleanup(n.Close)
	return n
}

// open serves a namespace that enter, run on the namespace thread, moves
// that thread into.
func open(enter func() error) (*NS, error) {
	n := &NS{
		enter:   enter,
		pid:     os.Getpid(),
		reqs:    make(chan request),
		stop:    make(chan struct{}),
		exited:  make(chan struct{}),
		nftFams: map[string]bool{},
	}
	ready := make(chan error, 1)
	go n.start(ready)
	if err := <-ready; err != nil {
		<-n.exited
		return nil, fmt.Errorf("namespace: %w", err)
	}
	return n, nil
}

// start locks the goroutine to a thread other than the process's main
// thread and serves the namespace there. The main thread is special: when a
// goroutine locked to it exits, the runtime parks ("wedges") it instead of
// terminating it, so the namespace would outlive the test, and /proc/self
// (which follows the main thread) would show it instead of the host.
func (n *NS) start(ready chan<- error) {
	runtime.LockOSThread()
	if unix.Gettid() != unix.Getpid() {
		n.serve(ready)
		return
	}
	// While this goroutine holds the main thread, the new goroutine must
	// run, and lock itself, on another one.
	held := make(chan struct{})
	go func() {
		runtime.LockOSThread()
		close(held)
		n.serve(ready)
	}()
	<-held
	runtime.UnlockOSThread()
}

// serve owns the namespace on its locked thread. It never unlocks the
// thread, so when it returns the Go runtime terminates the thread instead of
// handing a thread in the wrong namespace to other goroutines; the
// namespace then dies with its last socket.
func (n *NS) serve(ready chan<- error) {
	defer close(n.exited)
	if unix.Gettid() == unix.Getpid() {
		ready <- errors.New("netns thread is the main thread")
		return
	}
	if err := n.setup(); err != nil {
		ready <- err
		return
	}
	ready <- nil
	for {
		select {
		case req := <-n.reqs:
			n.run(req)
		case <-n.stop:
			return
		}
	}
}

// setup runs on the locked thread, before it serves requests.
func (n *NS) setup() error {
	if err := n.enter(); err != nil {
		return err
	}
	n.tid = unix.Gettid()
	// thread-self, not self: self is the thread group leader, which stays
	// in the host namespace.
	var st unix.Stat_t
	if err := unix.Stat("/proc/thread-self/ns/net", &st); err != nil {
		return fmt.Errorf("stat netns: %w", err)
	}
	n.inode = st.Ino
	if err := enableLoopback(); err != nil {
		return err
	}
	lo, _, err := portRange()
	if err != nil {
		return err
	}
	n.nextPort = lo - 1
	return nil
}

// run calls req.fn and always answers, even if fn panics. If fn calls
// runtime.Goexit (t.FailNow) the deferred send still answers and serve's
// goroutine then exits, which closes the namespace.
func (n *NS) run(req request) {
	done := false
	defer func() {
		if done {
			return
		}
		if r := recover(); r != nil {
			req.result <- fmt.Errorf("panic in netns: %v", r)
			return
		}
		req.result <- errors.New("netns function exited its goroutine (t.FailNow?)")
	}()
	err := req.fn()
	done = true
	req.result <- err
}

// Do runs fn on the namespace thread and returns its error. Sockets fn
// creates, including through package net, belong to the namespace. fn must
// not block forever, and must not call t.FailNow or runtime.Goexit (doing so
// closes the namespace).
func (n *NS) Do(fn func() error) error {
	req := request{fn: fn, result: make(chan error, 1)}
	select {
	case n.reqs <- req:
	case <-n.exited:
		return ErrClosed
	}
	select {
	case err := <-req.result:
		return err
	case <-n.exited:
		// Goexit path: run answered before the goroutine ended.
		select {
		case err := <-req.result:
			return err
		default:
			return ErrClosed
		}
	}
}

// Inode is the namespace's inode number, equal to the kernel's net->ns.inum.
func (n *NS) Inode() uint64 { return n.inode }

// Path names the namespace for tools that enter it (nsenter --net), valid
// while the namespace thread lives.
func (n *NS) Path() string {
	return fmt.Sprintf("/proc/%d/task/%d/ns/net", n.pid, n.tid)
}

// track makes Close release c, so sockets cannot keep the namespace alive.
func (n *NS) track(c func() error) {
	n.mu.Lock()
	closed := n.closed
	if !closed {
		n.closers = append(n.closers, c)
	}
	n.mu.Unlock()
	if closed {
		_ = c()
	}
}

// Close releases sockets, stops the thread and waits until it is gone.
// Later calls do nothing.
func (n *NS) Close() {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return
	}
	n.closed = true
	closers := n.closers
	n.closers = nil
	n.mu.Unlock()
	for i := len(closers) - 1; i >= 0; i-- {
		_ = closers[i]()
	}
	close(n.stop)
	select {
	case <-n.exited:
	case <-time.After(30 * time.Second):
		// A Do fn is stuck; the thread will still exit once it returns.
	}
}
