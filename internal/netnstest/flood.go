//go:build linux

package netnstest

import (
	"errors"
	"fmt"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

const (
	// floodBudget bounds the duration of one Flood call.
	floodBudget = 60 * time.Second
	// floodBatch is how many packets one sendmmsg call sends: enough that
	// the system call's own cost no longer limits the rate.
	floodBatch = 64
)

// mmsghdr is struct mmsghdr, which x/sys/unix does not define.
type mmsghdr struct {
	hdr unix.Msghdr
	len uint32
}

// Packet is what Flood sends: a Segment or a Datagram.
type Packet interface {
	// build returns the address family and the whole IP packet.
	build() (int, []byte, error)
}

// Flood sends the packets to the loopback address from a raw socket in the
// namespace, in turn, as fast as the namespace thread can, for d, and
// returns how many it sent in all. Unlike SendRaw it batches with sendmmsg:
// it is the drop storm of the benchmark. On loopback each packet is
// received, and dropped, in the softirq the sending thread runs when the
// send returns, so the drops happen on the namespace thread's CPU. The
// packets must share one address family. It fails if lo dropped any packet
// meanwhile, since the count would then be wrong.
func (n *NS) Flood(d time.Duration, pkts ...Packet) (int, error) {
	if len(pkts) == 0 {
		return 0, errors.New("flood: no packets")
	}
	if d <= 0 || d > floodBudget {
		return 0, fmt.Errorf("flood duration %v out of range (0, %v]", d, floodBudget)
	}
	fam := 0
	bufs := make([][]byte, len(pkts))
	for i, p := range pkts {
		f, b, err := p.build()
		if err != nil {
			return 0, err
		}
		if fam != 0 && f != fam {
			return 0, errors.New("flood: packets of two address families")
		}
		fam, bufs[i] = f, b
	}
	var sent int
	err := n.Do(func() error {
		fd, err := unix.Socket(fam, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.IPPROTO_RAW)
		if err != nil {
			return fmt.Errorf("raw socket: %w", err)
		}
		defer unix.Close(fd)
		return guardLoDrops(func() error {
			sent, err = sendmmsgFor(fd, fam, bufs, d)
			return err
		})
	})
	return sent, err
}

// sendmmsgFor sends pkts to the loopback address on fd, in turn, in
// batches of floodBatch until d has passed, and returns the number sent.
func sendmmsgFor(fd, fam int, pkts [][]byte, d time.Duration) (int, error) {
	// Port 0: for IPv6 a non-zero port would select the protocol.
	var name unsafe.Pointer
	var namelen uint32
	if fam == unix.AF_INET6 {
		sa := &unix.RawSockaddrInet6{Family: unix.AF_INET6, Addr: [16]byte{15: 1}}
		name, namelen = unsafe.Pointer(sa), unix.SizeofSockaddrInet6
	} else {
		sa := &unix.RawSockaddrInet4{Family: unix.AF_INET, Addr: [4]byte{127, 0, 0, 1}}
		name, namelen = unsafe.Pointer(sa), unix.SizeofSockaddrInet4
	}
	iovs := make([]unix.Iovec, len(pkts))
	for i, p := range pkts {
		iovs[i] = unix.Iovec{Base: &p[0]}
		iovs[i].SetLen(len(p))
	}
	msgs := make([]mmsghdr, floodBatch)
	for i := range msgs {
		msgs[i].hdr.Name = (*byte)(name)
		msgs[i].hdr.Namelen = namelen
		msgs[i].hdr.Iov = &iovs[i%len(iovs)]
		msgs[i].hdr.SetIovlen(1)
	}
	sent := 0
	for end := time.Now().Add(d); time.Now().Before(end); {
		if len(iovs) > 1 {
			for i := range msgs {
				msgs[i].hdr.Iov = &iovs[(sent+i)%len(iovs)]
			}
		}
		r, _, errno := unix.Syscall6(unix.SYS_SENDMMSG, uintptr(fd),
			uintptr(unsafe.Pointer(&msgs[0])), uintptr(len(msgs)), 0, 0, 0)
		if errno == unix.EINTR {
			continue // bounded by the deadline
		}
		if errno != 0 {
			return sent, fmt.Errorf("sendmmsg after %d packets: %w", sent, errno)
		}
		sent += int(r)
	}
	return sent, nil
}
