//go:build linux

package netnstest

import (
	"errors"
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// rawBudget bounds a whole SendRaw call.
const rawBudget = 60 * time.Second

// SendRaw sends count copies of seg to the loopback address from a raw
// socket in the namespace.
//
// The socket is IPPROTO_RAW with the IP header built here, not IPPROTO_TCP
// with a kernel-built header: an IPPROTO_TCP raw socket also receives a
// clone of every TCP packet in the namespace while it is open, and the
// clones still queued when it closes are freed through kfree_skb with a drop
// reason, which would add drops the tests did not ask for. An IPPROTO_RAW
// socket receives nothing. The TCP checksum is always computed here (the
// kernel only computes it for IPv6 with IPV6_CHECKSUM, which is not set);
// the kernel fills the IPv4 header checksum, ID and length.
//
// Replies go to seg.SrcPort on the loopback address: unless a socket owns
// that port, the kernel drops them too (a good SYN to a closed port yields
// two NO_SOCKET drops, the SYN and the RST answering it).
//
// It fails if lo dropped any packet meanwhile, since the caller's counts
// would then be wrong.
func (n *NS) SendRaw(seg Segment, count int) error {
	fam, err := family(seg.Network)
	if err != nil {
		return err
	}
	if count < 0 || count > maxCount {
		return fmt.Errorf("count %d out of range", count)
	}
	pkt := seg.packet(fam)
	deadline := time.Now().Add(rawBudget)
	return n.Do(func() error {
		fd, err := unix.Socket(fam, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.IPPROTO_RAW)
		if err != nil {
			return fmt.Errorf("raw socket: %w", err)
		}
		defer unix.Close(fd)
		// Port 0: for IPv6 a non-zero port would select the protocol.
		to := loopbackSockaddr(fam, 0)
		return guardLoDrops(func() error {
			for i := 0; i < count; i++ {
				if time.Now().After(deadline) {
					return fmt.Errorf("send raw: %d of %d sent after %v", i, count, rawBudget)
				}
				err := unix.Sendto(fd, pkt, 0, to)
				if errors.Is(err, unix.EINTR) {
					i-- // bounded by the deadline above
					continue
				}
				if err != nil {
					return fmt.Errorf("send raw %d: %w", i, err)
				}
			}
			return nil
		})
	})
}
