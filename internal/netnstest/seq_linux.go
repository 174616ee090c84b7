package netnstest

import (
	"errors"
	"fmt"
	"net"
	"syscall"

	"golang.org/x/sys/unix"
)

// The repair queues of TCP_REPAIR_QUEUE (uapi linux/tcp.h), which
// golang.org/x/sys does not name.
const (
	tcpRecvQueue = 1
	tcpSendQueue = 2
)

// Seq is where one end of a connection stands in both sequence spaces.
type Seq struct {
	// RcvNxt is the next sequence number the end expects (rcv_nxt).
	RcvNxt uint32
	// SndNxt is the sequence number of the next byte the end will queue
	// (write_seq): snd_nxt, as long as everything written has been sent.
	SndNxt uint32
}

// ServerSeq reads the server end's sequence numbers from the kernel, for
// segments that must land at an exact place: in the window, below it, or
// acknowledging data never sent. Read it while the connection is idle, so
// that nothing in flight moves the numbers.
//
// The kernel tells them only in repair mode (TCP_REPAIR, which needs
// CAP_NET_ADMIN). The socket enters it for the two reads and leaves it with
// TCP_REPAIR_OFF_NO_WP: plain TCP_REPAIR_OFF would send a window probe,
// an old-sequence segment that the client drops. Leaving repair mode also
// clears the socket's SO_REUSEADDR, which only matters to bind.
//
// Without the server end (Dial), the client's numbers tell the server's:
// on an idle connection each end expects what the other sends next.
func (c *Conn) ServerSeq() (Seq, error) {
	if c.Server != nil {
		return readSeq(c.Server)
	}
	s, err := readSeq(c.Client)
	return Seq{RcvNxt: s.SndNxt, SndNxt: s.RcvNxt}, err
}

func readSeq(conn net.Conn) (Seq, error) {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return Seq{}, fmt.Errorf("%T has no file descriptor", conn)
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return Seq{}, fmt.Errorf("syscall conn: %w", err)
	}
	var seq Seq
	var readErr error
	if err := raw.Control(func(fd uintptr) { seq, readErr = repairSeq(int(fd)) }); err != nil {
		return Seq{}, fmt.Errorf("control: %w", err)
	}
	return seq, readErr
}

// repairSeq reads fd's sequence numbers in repair mode.
func repairSeq(fd int) (Seq, error) {
	if err := unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_REPAIR, unix.TCP_REPAIR_ON); err != nil {
		return Seq{}, fmt.Errorf("tcp repair on: %w", err)
	}
	var seq Seq
	var errs []error
	for _, q := range []struct {
		queue int
		into  *uint32
	}{{tcpRecvQueue, &seq.RcvNxt}, {tcpSendQueue, &seq.SndNxt}} {
		if err := unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_REPAIR_QUEUE, q.queue); err != nil {
			errs = append(errs, fmt.Errorf("tcp repair queue %d: %w", q.queue, err))
			break
		}
		v, err := unix.GetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_QUEUE_SEQ)
		if err != nil {
			errs = append(errs, fmt.Errorf("tcp queue seq %d: %w", q.queue, err))
			break
		}
		*q.into = uint32(v)
	}
	if err := unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_REPAIR, unix.TCP_REPAIR_OFF_NO_WP); err != nil {
		errs = append(errs, fmt.Errorf("tcp repair off: %w", err))
	}
	return seq, errors.Join(errs...)
}

// farAhead puts a sequence number beyond any receive window: the largest
// window, 65535 scaled by 2^14, is just below 2^30.
const farAhead = 1 << 30

// OutOfWindowData is a data segment to the server that starts far beyond
// its receive window and acknowledges everything, built from the server's
// Seq. The server drops it and answers with a duplicate ACK.
func (c *Conn) OutOfWindowData(s Seq) Segment {
	seg := c.ToServer(ACK|PSH, s.RcvNxt+farAhead)
	seg.Ack, seg.Payload = s.SndNxt, []byte("late")
	return seg
}

// OldData is a retransmission of the last len(data) bytes the server
// received: data that ends exactly at its rcv_nxt. The server drops it and
// answers with a duplicate ACK carrying a D-SACK.
func (c *Conn) OldData(s Seq, data []byte) Segment {
	seg := c.ToServer(ACK|PSH, s.RcvNxt-uint32(len(data)))
	seg.Ack, seg.Payload = s.SndNxt, data
	return seg
}

// UnsentAck is an in-window segment to the server that acknowledges data
// the server never sent.
func (c *Conn) UnsentAck(s Seq) Segment {
	seg := c.ToServer(ACK, s.RcvNxt)
	seg.Ack = s.SndNxt + farAhead
	return seg
}
