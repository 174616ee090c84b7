package netnstest

import (
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// tcpClose is TCP_CLOSE of the kernel's TCP states, as TCP_INFO reports it.
const tcpClose = 7

// TimeWait is a closed loopback connection whose client end is in
// TIME_WAIT, for 60 s after it was made.
type TimeWait struct {
	Network string
	// Port is the TIME_WAIT end's port; PeerPort is the closed server's.
	Port, PeerPort uint16
	// RcvNxt is the one sequence number the TIME_WAIT socket takes as in
	// its window: the server's FIN plus one.
	RcvNxt uint32
}

// TimeWait makes a connection and closes it so that its client end enters
// TIME_WAIT: the client shuts down its sending side first, the server
// reads the FIN and closes, and the client acknowledges the server's FIN.
// It returns once the kernel has handed the client's connection to a
// TIME_WAIT socket.
func (n *NS) TimeWait(network string) (TimeWait, error) {
	c, err := n.Established(network)
	if err != nil {
		return TimeWait{}, err
	}
	defer c.Close()
	seq, err := c.ServerSeq()
	if err != nil {
		return TimeWait{}, err
	}
	deadline := time.Now().Add(establishTimeout)
	if err := c.Client.(*net.TCPConn).CloseWrite(); err != nil {
		return TimeWait{}, fmt.Errorf("client shutdown: %w", err)
	}
	if err := c.Server.SetReadDeadline(deadline); err != nil {
		return TimeWait{}, fmt.Errorf("server deadline: %w", err)
	}
	if got, err := c.Server.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		return TimeWait{}, fmt.Errorf("server read %d bytes, %v: want the client's FIN", got, err)
	}
	if err := c.Server.Close(); err != nil {
		return TimeWait{}, fmt.Errorf("server close: %w", err)
	}
	// The client's socket turns TCP_CLOSE when tcp_time_wait has put a
	// TIME_WAIT socket in its place; it still has its descriptor, so
	// TCP_INFO can tell.
	for {
		state, err := tcpState(c.Client)
		if err != nil {
			return TimeWait{}, err
		}
		if state == tcpClose {
			break
		}
		if time.Now().After(deadline) {
			return TimeWait{}, fmt.Errorf("client in TCP state %d, not closed, after %v", state, establishTimeout)
		}
		time.Sleep(time.Millisecond)
	}
	return TimeWait{Network: network, Port: c.ClientPort, PeerPort: c.ServerPort, RcvNxt: seq.SndNxt + 1}, nil
}

// tcpState is the socket's TCP state from TCP_INFO.
func tcpState(conn net.Conn) (uint8, error) {
	raw, err := conn.(syscall.Conn).SyscallConn()
	if err != nil {
		return 0, fmt.Errorf("syscall conn: %w", err)
	}
	var info *unix.TCPInfo
	var infoErr error
	if err := raw.Control(func(fd uintptr) {
		info, infoErr = unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO)
	}); err != nil {
		return 0, fmt.Errorf("control: %w", err)
	}
	if infoErr != nil {
		return 0, fmt.Errorf("tcp info: %w", infoErr)
	}
	return info.State, nil
}

// ToTimeWait builds a segment on the connection's 4-tuple from the closed
// server's port to the TIME_WAIT socket.
func (tw TimeWait) ToTimeWait(flags uint8, seq uint32) Segment {
	return Segment{Network: tw.Network, SrcPort: tw.PeerPort, DstPort: tw.Port, Seq: seq, Flags: flags, Window: 65535}
}
