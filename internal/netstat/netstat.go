package netstat

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/tcpdrop/tcpdrop/internal/hostproc"
)

// TCPExt holds the listener drop counters (full accept or SYN queue). They
// are read here because the kernel may free such SYNs as consumed, out of
// sight of skb:kfree_skb.
type TCPExt struct {
	ListenOverflows uint64
	ListenDrops     uint64
}

// Read reads net/netstat under HOST_PROC (/proc), which shows the network
// namespace of the reading process.
func Read() (TCPExt, error) {
	f, err := os.Open(hostproc.Path("net", "netstat"))
	if err != nil {
		return TCPExt{}, err
	}
	defer f.Close()
	return Parse(f)
}

// Parse reads netstat text: per protocol, a line of counter names followed
// by a line of their values, both prefixed by the protocol.
func Parse(r io.Reader) (TCPExt, error) {
	const prefix = "TcpExt:"
	var header []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 || fields[0] != prefix {
			continue
		}
		if header == nil {
			header = fields[1:]
			continue
		}
		return counters(header, fields[1:])
	}
	if err := sc.Err(); err != nil {
		return TCPExt{}, fmt.Errorf("read netstat: %w", err)
	}
	if header != nil {
		return TCPExt{}, errors.New("netstat has TcpExt names but no values")
	}
	return TCPExt{}, errors.New("netstat has no TcpExt lines")
}

func counters(names, values []string) (TCPExt, error) {
	if len(names) != len(values) {
		return TCPExt{}, fmt.Errorf("netstat TcpExt has %d names but %d values", len(names), len(values))
	}
	byName := make(map[string]string, len(names))
	for i, name := range names {
		byName[name] = values[i]
	}
	overflows, err := counter(byName, "ListenOverflows")
	if err != nil {
		return TCPExt{}, err
	}
	drops, err := counter(byName, "ListenDrops")
	if err != nil {
		return TCPExt{}, err
	}
	return TCPExt{ListenOverflows: overflows, ListenDrops: drops}, nil
}

func counter(byName map[string]string, name string) (uint64, error) {
	s, ok := byName[name]
	if !ok {
		return 0, fmt.Errorf("netstat TcpExt has no %s", name)
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("netstat TcpExt %s: %w", name, err)
	}
	return v, nil
}
