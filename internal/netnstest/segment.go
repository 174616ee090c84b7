//go:build linux

package netnstest

import (
	"encoding/binary"

	"golang.org/x/sys/unix"
)

// TCP header flag bits for Segment.Flags.
const (
	FIN uint8 = 0x01
	SYN uint8 = 0x02
	RST uint8 = 0x04
	PSH uint8 = 0x08
	ACK uint8 = 0x10
)

const (
	tcpHeaderLen  = 20
	ipv4HeaderLen = 20
	ipv6HeaderLen = 40
)

// Segment is a TCP segment without options, sent from and to the loopback
// address of Network ("tcp4" or "tcp6").
type Segment struct {
	Network          string
	SrcPort, DstPort uint16
	Seq, Ack         uint32
	Flags            uint8
	Window           uint16
	// BadChecksum sends a checksum that is off by one bit, so the kernel
	// drops the segment with reason TCP_CSUM and counts InCsumErrors.
	BadChecksum bool
	// BeforeTCP puts IPv4 options (four NOPs' worth) or an IPv6 hop-by-hop
	// header between the IP and the TCP header, where a parser that
	// assumes neither finds no TCP header.
	BeforeTCP bool
	// Payload is the segment's data, e.g. bytes the receiver already has.
	Payload []byte
}

// beforeTCP is what Segment.BeforeTCP inserts: IPv4 options NOP, NOP, NOP,
// end; an IPv6 hop-by-hop header (next: TCP) padded with PadN.
var (
	ipv4Options  = []byte{1, 1, 1, 0}
	ipv6HopByHop = []byte{unix.IPPROTO_TCP, 0, 1, 4, 0, 0, 0, 0}
)

func (seg Segment) build() (int, []byte, error) {
	fam, err := family(seg.Network)
	if err != nil {
		return 0, nil, err
	}
	return fam, seg.packet(fam), nil
}

// packet returns the whole IP packet for seg. fam is unix.AF_INET or
// unix.AF_INET6; source and destination are both loopback.
func (seg Segment) packet(fam int) []byte {
	var extra []byte
	if seg.BeforeTCP && fam == unix.AF_INET6 {
		extra = ipv6HopByHop
	} else if seg.BeforeTCP {
		extra = ipv4Options
	}
	tcp := make([]byte, tcpHeaderLen, tcpHeaderLen+len(seg.Payload))
	binary.BigEndian.PutUint16(tcp[0:], seg.SrcPort)
	binary.BigEndian.PutUint16(tcp[2:], seg.DstPort)
	binary.BigEndian.PutUint32(tcp[4:], seg.Seq)
	binary.BigEndian.PutUint32(tcp[8:], seg.Ack)
	tcp[12] = tcpHeaderLen / 4 << 4
	tcp[13] = seg.Flags
	binary.BigEndian.PutUint16(tcp[14:], seg.Window)
	tcp = append(tcp, seg.Payload...)
	addr := loopbackIP(fam)
	sum := checksum(unix.IPPROTO_TCP, addr, addr, tcp)
	if seg.BadChecksum {
		// Flipping one bit can never turn 0x0000 into its one's complement
		// twin 0xffff, so the result is always wrong.
		sum ^= 1
	}
	binary.BigEndian.PutUint16(tcp[16:], sum)
	return ipPacket(fam, unix.IPPROTO_TCP, extra, tcp)
}

// ipPacket returns l4, a TCP or UDP header with its payload, behind an IP
// header from and to the loopback address and the IPv4 options or IPv6
// extension header extra (whose next header is then proto).
func ipPacket(fam int, proto byte, extra, l4 []byte) []byte {
	var ipHdr []byte
	if fam == unix.AF_INET6 {
		ipHdr = make([]byte, ipv6HeaderLen)
		binary.BigEndian.PutUint32(ipHdr[0:], 6<<28)
		binary.BigEndian.PutUint16(ipHdr[4:], uint16(len(extra)+len(l4))) // payload length
		ipHdr[6] = proto                                                  // next header
		if len(extra) > 0 {
			ipHdr[6] = 0 // hop-by-hop
		}
		ipHdr[7] = 64               // hop limit
		ipHdr[23], ipHdr[39] = 1, 1 // ::1 -> ::1
	} else {
		ipHdr = make([]byte, ipv4HeaderLen)
		ipHdr[0] = 4<<4 | byte(ipv4HeaderLen+len(extra))/4
		binary.BigEndian.PutUint16(ipHdr[2:], uint16(ipv4HeaderLen+len(extra)+len(l4)))
		binary.BigEndian.PutUint16(ipHdr[6:], 0x4000) // DF
		ipHdr[8] = 64                                 // TTL
		ipHdr[9] = proto
		// ID and header checksum are left zero: the kernel fills them in.
		copy(ipHdr[12:], []byte{127, 0, 0, 1, 127, 0, 0, 1})
	}
	return append(append(ipHdr, extra...), l4...)
}

// checksum is the RFC 793 / RFC 768 / RFC 8200 checksum of a TCP or UDP
// header and payload (l4) whose checksum field is zero, over the
// pseudo-header of protocol proto and src and dst (4 or 16 bytes each).
func checksum(proto uint32, src, dst, l4 []byte) uint16 {
	var sum uint32
	add := func(b []byte) {
		for i := 0; i+1 < len(b); i += 2 {
			sum += uint32(b[i])<<8 | uint32(b[i+1])
		}
		if len(b)%2 == 1 {
			sum += uint32(b[len(b)-1]) << 8
		}
	}
	add(src)
	add(dst)
	// Both pseudo-header layouts reduce to this sum: protocol and length,
	// with zero padding that adds nothing.
	sum += proto + uint32(len(l4))
	add(l4)
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}
