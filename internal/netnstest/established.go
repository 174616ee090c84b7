//go:build linux

package netnstest

import (
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"
)

// establishTimeout bounds listen, dial and accept together.
const establishTimeout = 10 * time.Second

// Conn is an established loopback TCP connection inside a namespace.
type Conn struct {
	Client, Server         net.Conn
	ClientPort, ServerPort uint16
	Network                string

	once     sync.Once
	closeErr error
}

// Established returns a connection between two sockets of the namespace on
// the loopback address of network ("tcp4" or "tcp6"). The caller should
// Close it; the namespace's cleanup closes it too, so it can never keep the
// namespace alive.
func (n *NS) Established(network string) (*Conn, error) {
	fam, err := family(network)
	if err != nil {
		return nil, err
	}
	c := &Conn{Network: network}
	err = n.Do(func() error {
		deadline := time.Now().Add(establishTimeout)
		ln, err := net.ListenTCP(network, &net.TCPAddr{IP: loopbackIP(fam)})
		if err != nil {
			return fmt.Errorf("listen: %w", err)
		}
		defer ln.Close()
		if err := ln.SetDeadline(deadline); err != nil {
			return fmt.Errorf("listener deadline: %w", err)
		}
		d := net.Dialer{Deadline: deadline}
		client, err := d.Dial(network, ln.Addr().String())
		if err != nil {
			return fmt.Errorf("dial: %w", err)
		}
		server, err := ln.AcceptTCP()
		if err != nil {
			client.Close()
			return fmt.Errorf("accept: %w", err)
		}
		c.Client, c.Server = client, server
		c.ClientPort = uint16(client.LocalAddr().(*net.TCPAddr).Port)
		c.ServerPort = uint16(server.LocalAddr().(*net.TCPAddr).Port)
		return nil
	})
	if err != nil {
		return nil, err
	}
	n.track(c.Close)
	return c, nil
}

// Dial connects to a server that listens on port of the namespace's
// loopback, such as a process of a container the test joined: the
// connection's server end is not the test's, so Server is nil.
func (n *NS) Dial(network string, port uint16) (*Conn, error) {
	fam, err := family(network)
	if err != nil {
		return nil, err
	}
	c := &Conn{Network: network, ServerPort: port}
	err = n.Do(func() error {
		d := net.Dialer{Timeout: establishTimeout}
		client, err := d.Dial(network, net.JoinHostPort(loopbackIP(fam).String(), fmt.Sprint(port)))
		if err != nil {
			return fmt.Errorf("dial: %w", err)
		}
		c.Client = client
		c.ClientPort = uint16(client.LocalAddr().(*net.TCPAddr).Port)
		return nil
	})
	if err != nil {
		return nil, err
	}
	n.track(c.Close)
	return c, nil
}

// Close closes the ends the test has; later calls return the first result.
func (c *Conn) Close() error {
	c.once.Do(func() {
		c.closeErr = c.Client.Close()
		if c.Server != nil {
			c.closeErr = errors.Join(c.closeErr, c.Server.Close())
		}
	})
	return c.closeErr
}

// ToServer builds a segment on the connection's 4-tuple from the client
// port to the server port, for injecting e.g. a SYN or an out-of-window RST
// with SendRaw.
func (c *Conn) ToServer(flags uint8, seq uint32) Segment {
	return Segment{
		Network: c.Network,
		SrcPort: c.ClientPort,
		DstPort: c.ServerPort,
		Seq:     seq,
		Flags:   flags,
		Window:  65535,
	}
}

// Ping sends pingData from the client and reads it on the server, so the
// server has received data that a segment can repeat.
func (c *Conn) Ping() error {
	if err := c.Server.SetReadDeadline(time.Now().Add(establishTimeout)); err != nil {
		return fmt.Errorf("server deadline: %w", err)
	}
	if _, err := c.Client.Write([]byte(pingData)); err != nil {
		return fmt.Errorf("client write: %w", err)
	}
	if _, err := io.ReadFull(c.Server, make([]byte, len(pingData))); err != nil {
		return fmt.Errorf("server read: %w", err)
	}
	return nil
}
