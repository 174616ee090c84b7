package netnstest

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

const (
	// maxBacklog bounds ListenBacklog's backlog and Overflow's connects.
	maxBacklog = 1024
	// overflowBudget bounds a whole Overflow call.
	overflowBudget = 60 * time.Second
)

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
// Each connect waits until the listener has taken or refused it before the
// next is made. Otherwise, when the receive softirq lags (ksoftirqd), later
// SYNs reach the listener before the ACKs that fill its queue: they get
// SYN cookies, their clients become established while the listener drops
// their ACKs, and closing them sends FINs that the listener goes on
// dropping, retransmit after retransmit, after stop has returned. And two
// handshakes ending on two CPUs at once may both pass the full check,
// which takes no lock, leaving the queue at b+2.
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
	deadline := time.Now().Add(overflowBudget)
	err = n.Do(func() error {
		for i := 0; i < connects; i++ {
			ended, err := handshakesEnded()
			if err != nil {
				return err
			}
			fd, err := unix.Socket(fam, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, unix.IPPROTO_TCP)
			if err != nil {
				return fmt.Errorf("socket: %w", err)
			}
			fds = append(fds, fd)
			err = unix.Connect(fd, loopbackSockaddr(fam, port))
			if err != nil && !errors.Is(err, unix.EINPROGRESS) {
				return fmt.Errorf("connect %d to port %d: %w", i, port, err)
			}
			for {
				now, err := handshakesEnded()
				if err != nil {
					return err
				}
				if now > ended {
					break
				}
				if time.Now().After(deadline) {
					return fmt.Errorf("connect %d to port %d: neither taken nor refused after %v", i, port, overflowBudget)
				}
				time.Sleep(time.Millisecond)
			}
		}
		return nil
	})
	n.track(stop)
	if err != nil {
		return nil, errors.Join(err, stop())
	}
	return stop, nil
}

// handshakesEnded counts the connections listeners in the calling thread's
// namespace took (PassiveOpens: a child socket was made) or refused
// (ListenDrops).
func handshakesEnded() (int64, error) {
	c := Counters{}
	if err := readCounters(c); err != nil {
		return 0, err
	}
	return c["Tcp:PassiveOpens"] + c["TcpExt:ListenDrops"], nil
}
