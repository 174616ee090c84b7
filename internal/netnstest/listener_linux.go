package netnstest

import (
	"errors"
	"fmt"
	"sync"

	"golang.org/x/sys/unix"
)

// maxBacklog bounds ListenBacklog's backlog and Overflow's connects.
const maxBacklog = 1024

// ListenBacklog is Listen with the given listen() backlog (Listen's is
// net.core.somaxconn), on a port FreePort picks.
func (n *NS) ListenBacklog(network string, backlog int) (uint16, error) {
	fam, err := family(network)
	if err != nil {
		return 0, err
	}
	if backlog < 0 || backlog > maxBacklog {
		return 0, fmt.Errorf("backlog %d out of range", backlog)
	}
	port, err := n.FreePort(network)
	if err != nil {
		return 0, err
	}
	err = n.Do(func() error {
		fd, err := unix.Socket(fam, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, unix.IPPROTO_TCP)
		if err != nil {
			return fmt.Errorf("socket: %w", err)
		}
		if err := errors.Join(unix.Bind(fd, loopbackSockaddr(fam, port)), unix.Listen(fd, backlog)); err != nil {
			unix.Close(fd)
			return fmt.Errorf("listen on port %d: %w", port, err)
		}
		n.track(func() error { return unix.Close(fd) })
		return nil
	})
	return port, err
}

// Overflow makes connects non-blocking connects to the loopback port,
// held open until stop is called or the namespace closes. Against a ListenBacklog
// listener with backlog b, b+1 of them are established into its accept
// queue (the kernel counts a queue as full only once it exceeds its
// limit); the SYNs of the others, and each of their retransmits, are
// dropped at the full queue, which ListenOverflows, ListenDrops and the
// listener's drop counter count. stop closes them all, which ends the
// retransmits: a socket closed in SYN_SENT sends nothing.
//
// The connects are made from one CPU: loopback packets are received on the
// CPU that sent them, so the handshakes complete one after another. From
// two CPUs, two final ACKs may both pass the listener's full check before
// either is queued (it takes no lock), and the queue ends one over b+1.
func (n *NS) Overflow(network string, port uint16, connects int) (stop func() error, err error) {
	fam, err := family(network)
	if err != nil {
		return nil, err
	}
	if connects < 0 || connects > maxBacklog {
		return nil, fmt.Errorf("connects %d out of range", connects)
	}
	var fds []int
	var once sync.Once
	var closeErr error
	stop = func() error {
		once.Do(func() {
			for _, fd := range fds {
				closeErr = errors.Join(closeErr, unix.Close(fd))
			}
		})
		return closeErr
	}
	err = n.Do(onOneCPU(func() error {
		for i := 0; i < connects; i++ {
			fd, err := unix.Socket(fam, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, unix.IPPROTO_TCP)
			if err != nil {
				return fmt.Errorf("socket: %w", err)
			}
			fds = append(fds, fd)
			err = unix.Connect(fd, loopbackSockaddr(fam, port))
			if err != nil && !errors.Is(err, unix.EINPROGRESS) {
				return fmt.Errorf("connect %d to port %d: %w", i, port, err)
			}
		}
		return nil
	}))
	n.track(stop)
	if err != nil {
		return nil, errors.Join(err, stop())
	}
	return stop, nil
}

// onOneCPU wraps fn to run with the calling thread on the first CPU it may
// use, and its affinity restored after.
func onOneCPU(fn func() error) func() error {
	return func() error {
		var all, one unix.CPUSet
		if err := unix.SchedGetaffinity(0, &all); err != nil {
			return fmt.Errorf("get affinity: %w", err)
		}
		for cpu := 0; one.Count() == 0; cpu++ {
			if all.IsSet(cpu) {
				one.Set(cpu)
			}
		}
		if err := unix.SchedSetaffinity(0, &one); err != nil {
			return fmt.Errorf("pin to one cpu: %w", err)
		}
		return errors.Join(fn(), unix.SchedSetaffinity(0, &all))
	}
}
