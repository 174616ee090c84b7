//go:build linux

package netnstest

import (
	"errors"
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

const (
	// closedBudget bounds a whole ConnectClosed call.
	closedBudget = 60 * time.Second
	// maxCount bounds the count argument of the loops in this package.
	maxCount = 1_000_000
)

// errTimedOut marks a connect that neither completed nor failed in time.
var errTimedOut = errors.New("connect timed out")

// ConnectClosed makes count connects from the loopback address of network
// ("tcp4": 127.0.0.1, "tcp6": ::1) to port, which must have no listener.
// Every connect must fail with ECONNREFUSED: the kernel drops its SYN with
// reason NO_SOCKET and answers with a RST, so count attempts cause exactly
// count drops. The whole call fails after 60 s, and if lo dropped any
// packet meanwhile (which would make the drop count inexact).
func (n *NS) ConnectClosed(network string, port uint16, count int) error {
	fam, err := family(network)
	if err != nil {
		return err
	}
	if count < 0 || count > maxCount {
		return fmt.Errorf("count %d out of range", count)
	}
	deadline := time.Now().Add(closedBudget)
	return n.Do(func() error {
		return guardLoDrops(func() error {
			for i := 0; i < count; i++ {
				left := time.Until(deadline)
				if left <= 0 {
					return fmt.Errorf("connect closed: %d of %d done after %v", i, count, closedBudget)
				}
				err := connectOnce(fam, port, left)
				switch {
				case errors.Is(err, unix.ECONNREFUSED):
				case err == nil:
					// Only possible if something listens or the connect
					// hit its own port; either way the count is wrong.
					return fmt.Errorf("connect %d to port %d succeeded, want refused", i, port)
				default:
					return fmt.Errorf("connect %d to port %d: %w", i, port, err)
				}
			}
			return nil
		})
	})
}

// connectOnce connects a fresh TCP socket to the loopback port and closes
// it. It returns nil if the connection was established, errTimedOut if
// nothing happened within timeout, or the socket error. It must run on the
// namespace thread. Non-blocking connect plus ppoll keeps the wait bounded
// whatever the kernel's SYN retry settings are.
func connectOnce(fam int, port uint16, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	fd, err := unix.Socket(fam, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, unix.IPPROTO_TCP)
	if err != nil {
		return fmt.Errorf("socket: %w", err)
	}
	defer unix.Close(fd)
	err = unix.Connect(fd, loopbackSockaddr(fam, port))
	if err == nil || !errors.Is(err, unix.EINPROGRESS) {
		return err
	}
	// Bounded: each pass either returns or waits for part of the time left;
	// EINTR (Go's preemption signal) only restarts the wait.
	for pass := 0; pass < 10_000; pass++ {
		left := time.Until(deadline)
		if left <= 0 {
			return errTimedOut
		}
		ts := unix.NsecToTimespec(left.Nanoseconds())
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLOUT}}
		nready, err := unix.Ppoll(fds, &ts, nil)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return fmt.Errorf("ppoll: %w", err)
		}
		if nready == 0 {
			return errTimedOut
		}
		soErr, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
		if err != nil {
			return fmt.Errorf("so_error: %w", err)
		}
		if soErr != 0 {
			return unix.Errno(soErr)
		}
		return nil
	}
	return errTimedOut
}

// FreePort returns a port of network's loopback address with no listener.
// Unlike bind to port 0, it picks ports just below the namespace's
// ephemeral range and never returns the same port twice per namespace, so
// neither a later bind to port 0 (Established's listener, for instance)
// nor a connect's source port can ever reuse it; a connect whose source
// port equals its destination would otherwise connect to itself.
func (n *NS) FreePort(network string) (uint16, error) {
	fam, err := family(network)
	if err != nil {
		return 0, err
	}
	var port uint16
	err = n.Do(func() error {
		n.mu.Lock()
		defer n.mu.Unlock()
		for tries := 0; tries < 1000; tries++ {
			p := n.nextPort
			if p < 1024 {
				break
			}
			n.nextPort--
			if err := bindCheck(fam, uint16(p)); err == nil {
				port = uint16(p)
				return nil
			}
		}
		return errors.New("no free port below the ephemeral range")
	})
	return port, err
}

// bindCheck binds a TCP socket to the loopback port, reads the port back
// and closes it. It must run on the namespace thread.
func bindCheck(fam int, port uint16) error {
	fd, err := unix.Socket(fam, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, unix.IPPROTO_TCP)
	if err != nil {
		return fmt.Errorf("socket: %w", err)
	}
	defer unix.Close(fd)
	if err := unix.Bind(fd, loopbackSockaddr(fam, port)); err != nil {
		return fmt.Errorf("bind: %w", err)
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return fmt.Errorf("getsockname: %w", err)
	}
	got, err := sockaddrPort(sa)
	if err != nil {
		return err
	}
	if got != port {
		return fmt.Errorf("bound port %d, want %d", got, port)
	}
	return nil
}
