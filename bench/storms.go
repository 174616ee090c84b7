//go:build linux

package main

import (
	"github.com/tcpdrop/tcpdrop/internal/netnstest"
)

// A storm is one shape of load: packets the kernel drops as fast as the
// CPUs that send them can, each one drop of a known reason that one SNMP
// counter of the namespace counts.
type storm struct {
	key, name string
	about     string
	// cpus send the storm, one namespace each; the drops happen on them.
	cpus    []int
	packets []netnstest.Packet // sent in turn
	counter string             // SNMP counter that counts every packet
	reason  string             // drop reason of every packet
	// tcp tells whether the packets are TCP: a TCP drop tracer must count
	// every one of them, else none.
	tcp bool
}

// localPorts is the series of the high-cardinality storm.
const localPorts = 4096

var (
	tcpStorm = &storm{key: "tcp", name: "TCP storm, one CPU", cpus: []int{stormCPU},
		about:   "bad-checksum SYNs to 127.0.0.1, each one `TCP_CSUM` drop (`Tcp InCsumErrors`).",
		packets: []netnstest.Packet{stormSegment}, counter: "Tcp:InCsumErrors", reason: "TCP_CSUM", tcp: true}
	udp4Storm = &storm{key: "udp4", name: "UDP storm over IPv4, one CPU", cpus: []int{stormCPU},
		about:   "bad-checksum UDP datagrams to 127.0.0.1, each one `UDP_CSUM` drop (`Udp InCsumErrors`): no TCP drop at all, what a probe costs to reject.",
		packets: []netnstest.Packet{udpDatagram("udp4")}, counter: "Udp:InCsumErrors", reason: "UDP_CSUM"}
	udp6Storm = &storm{key: "udp6", name: "UDP storm over IPv6, one CPU", cpus: []int{stormCPU},
		about:   "the same to ::1 (`Udp6 InCsumErrors`).",
		packets: []netnstest.Packet{udpDatagram("udp6")}, counter: "Udp6:InCsumErrors", reason: "UDP_CSUM"}
	portsStorm = &storm{key: "ports", name: "TCP storm over 4,096 series, one CPU", cpus: []int{stormCPU},
		about:   "the TCP storm's SYNs to 4,096 destination ports in turn: with `local_port` grouped, 4,096 series in every window.",
		packets: spreadPorts(stormSegment, localPorts), counter: "Tcp:InCsumErrors", reason: "TCP_CSUM", tcp: true}
	bothStorm = &storm{key: "both", name: "TCP storm on both CPUs", cpus: []int{stormCPU, tracerCPU},
		about:   "the TCP storm from two namespaces at once, one pinned to each CPU; the tracer shares CPU 1 with the second.",
		packets: []netnstest.Packet{stormSegment}, counter: "Tcp:InCsumErrors", reason: "TCP_CSUM", tcp: true}
	storms = []*storm{tcpStorm, udp4Storm, udp6Storm, portsStorm, bothStorm}
)

func udpDatagram(network string) netnstest.Datagram {
	return netnstest.Datagram{Network: network, SrcPort: 40000, DstPort: 40001, BadChecksum: true}
}

// spreadPorts returns seg to n destination ports from 20000 on.
func spreadPorts(seg netnstest.Segment, n int) []netnstest.Packet {
	pkts := make([]netnstest.Packet, n)
	for i := range pkts {
		s := seg
		s.DstPort = 20000 + uint16(i)
		pkts[i] = s
	}
	return pkts
}

// baselineKey is the configuration without a tracer under st.
func (st *storm) baselineKey() string {
	if st == tcpStorm {
		return "none"
	}
	return "none-" + st.key
}
