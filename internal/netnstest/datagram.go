//go:build linux

package netnstest

import (
	"encoding/binary"
	"fmt"

	"golang.org/x/sys/unix"
)

const udpHeaderLen = 8

// Datagram is a UDP datagram without payload, sent from and to the
// loopback address of Network ("udp4" or "udp6").
type Datagram struct {
	Network          string
	SrcPort, DstPort uint16
	// BadChecksum sends a wrong checksum, so the kernel drops the
	// datagram with reason UDP_CSUM and counts InCsumErrors, unless a
	// socket is bound to DstPort (sockets check it when read).
	BadChecksum bool
}

func (d Datagram) build() (int, []byte, error) {
	var fam int
	switch d.Network {
	case "udp4":
		fam = unix.AF_INET
	case "udp6":
		fam = unix.AF_INET6
	default:
		return 0, nil, fmt.Errorf("unsupported network %q (want udp4 or udp6)", d.Network)
	}
	udp := make([]byte, udpHeaderLen)
	binary.BigEndian.PutUint16(udp[0:], d.SrcPort)
	binary.BigEndian.PutUint16(udp[2:], d.DstPort)
	binary.BigEndian.PutUint16(udp[4:], udpHeaderLen)
	addr := loopbackIP(fam)
	sum := checksum(unix.IPPROTO_UDP, addr, addr, udp)
	if sum == 0 {
		sum = 0xffff // 0 says "no checksum" (RFC 768)
	}
	if d.BadChecksum {
		// Wrong either way, and never 0, which IPv4 would not check.
		sum ^= 1
		if sum == 0 {
			sum = 2
		}
	}
	binary.BigEndian.PutUint16(udp[6:], sum)
	return fam, ipPacket(fam, unix.IPPROTO_UDP, nil, udp), nil
}
