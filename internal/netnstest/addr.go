//go:build linux

package netnstest

import (
	"fmt"
	"net"

	"golang.org/x/sys/unix"
)

// family maps the only two networks this package accepts to an address
// family; anything else is refused so no other address can be reached.
func family(network string) (int, error) {
	switch network {
	case "tcp4":
		return unix.AF_INET, nil
	case "tcp6":
		return unix.AF_INET6, nil
	}
	return 0, fmt.Errorf("unsupported network %q (want tcp4 or tcp6)", network)
}

// loopbackSockaddr is 127.0.0.1 or ::1 with the given port.
func loopbackSockaddr(family int, port uint16) unix.Sockaddr {
	if family == unix.AF_INET6 {
		return &unix.SockaddrInet6{Port: int(port), Addr: [16]byte{15: 1}}
	}
	return &unix.SockaddrInet4{Port: int(port), Addr: [4]byte{127, 0, 0, 1}}
}

// loopbackIP is 127.0.0.1 or ::1 as a net.IP.
func loopbackIP(family int) net.IP {
	if family == unix.AF_INET6 {
		return net.IPv6loopback
	}
	return net.IPv4(127, 0, 0, 1).To4()
}

// sockaddrPort extracts the port from a bound inet socket address.
func sockaddrPort(sa unix.Sockaddr) (uint16, error) {
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return uint16(a.Port), nil
	case *unix.SockaddrInet6:
		return uint16(a.Port), nil
	}
	return 0, fmt.Errorf("unexpected sockaddr %T", sa)
}
