package netnstest

import (
	"fmt"
	"testing"
)

// Scenario causes an exact number of drops in a namespace, and says which
// series they make.
type Scenario struct {
	Name string
	// Prepare sets up in ns what the drops need (a connection, a
	// listener, a rule), and returns cause, which makes the drops and
	// nothing else. It may fail t (NftDrop does), and cleans up with t.
	Prepare func(t testing.TB, ns *NS) (cause func() error, err error)
	// Drops are the series Cause makes, as 6.18 reports them with
	// tp_btf_rx_sk (see Sight for other kernels).
	Drops []Drop
}

// Cause prepares the scenario in ns and makes its drops.
func (s Scenario) Cause(t testing.TB, ns *NS) error {
	cause, err := s.Prepare(t, ns)
	if err != nil {
		return err
	}
	return cause()
}

// scenarioSegments is how many segments a scenario of raw segments sends.
const scenarioSegments = 200

// Scenarios are the drops every kernel of the matrix must count exactly.
// Each segment is one drop unless its Drops say otherwise. Measured facts
// behind them are in the package doc.
var Scenarios = []Scenario{
	{
		Name:    "closed port ipv4",
		Prepare: closedPort("tcp4"),
		Drops: []Drop{
			{Reason: "NO_SOCKET", State: "NONE", Flags: "SYN", Frame: "tcp_v4_rcv", Family: "ipv4", Count: scenarioSegments},
			refusingRST("ipv4"),
		},
	},
	{
		Name:    "closed port ipv6",
		Prepare: closedPort("tcp6"),
		Drops: []Drop{
			{Reason: "NO_SOCKET", State: "NONE", Flags: "SYN", Frame: "tcp_v6_rcv", Family: "ipv6", Count: scenarioSegments},
			refusingRST("ipv6"),
		},
	},
	{
		Name: "bad checksum",
		Prepare: func(_ testing.TB, ns *NS) (func() error, error) {
			// Dropped before any socket lookup: one port without a
			// socket serves as both ends.
			port, err := ns.FreePort("tcp4")
			if err != nil {
				return nil, err
			}
			return sendRaw(ns, Segment{Network: "tcp4", SrcPort: port, DstPort: port, Seq: 1, Flags: SYN,
				Window: 1024, BadChecksum: true})
		},
		Drops: []Drop{{Reason: "TCP_CSUM", State: "NONE", Flags: "SYN", Frame: "tcp_v4_rcv", Family: "ipv4", Count: scenarioSegments}},
	},
	{
		Name: "established rst out of window",
		Prepare: onEstablished("tcp4", func(c *Conn, s Seq) Segment {
			return c.ToServer(RST, s.RcvNxt+farAhead)
		}),
		Drops: []Drop{{Reason: "TCP_INVALID_SEQUENCE", State: "ESTABLISHED", Flags: "RST", Frame: "tcp_validate_incoming",
			Family: "ipv4", Count: scenarioSegments, ViaTCPDrop: true}},
	},
	{
		Name:    "established data out of window",
		Prepare: onEstablished("tcp4", (*Conn).OutOfWindowData),
		Drops: []Drop{{Reason: "TCP_INVALID_SEQUENCE", State: "ESTABLISHED", Flags: "PSH|ACK", Frame: "tcp_validate_incoming",
			Family: "ipv4", Count: scenarioSegments, ViaTCPDrop: true}},
	},
	{
		Name:    "established data out of window ipv6",
		Prepare: onEstablished("tcp6", (*Conn).OutOfWindowData),
		Drops: []Drop{{Reason: "TCP_INVALID_SEQUENCE", State: "ESTABLISHED", Flags: "PSH|ACK", Frame: "tcp_validate_incoming",
			Family: "ipv6", Count: scenarioSegments, ViaTCPDrop: true}},
	},
	{
		Name: "established old data",
		Prepare: onEstablished("tcp4", func(c *Conn, s Seq) Segment {
			return c.OldData(s, []byte(pingData))
		}),
		Drops: []Drop{{Reason: "TCP_OLD_DATA", State: "ESTABLISHED", Flags: "PSH|ACK", Frame: "tcp_data_queue",
			Family: "ipv4", Count: scenarioSegments, ViaTCPDrop: true, RouteDropped: true}},
	},
	{
		Name:    "established ack of unsent data",
		Prepare: onEstablished("tcp4", (*Conn).UnsentAck),
		Drops: []Drop{{Reason: "TCP_ACK_UNSENT_DATA", State: "ESTABLISHED", Flags: "ACK", Frame: "tcp_rcv_established",
			InlinedInto: "tcp_v4_do_rcv", Family: "ipv4", Count: scenarioSegments, ViaTCPDrop: true}},
	},
	{
		Name:    "time wait rst out of window",
		Prepare: toTimeWait("tcp4"),
		Drops: []Drop{
			{Reason: "NOT_SPECIFIED", State: "TIME_WAIT", Flags: "RST", Frame: "tcp_v4_rcv", Family: "ipv4", Count: scenarioSegments},
			lastACK("ipv4"),
		},
	},
	{
		Name:    "time wait rst out of window ipv6",
		Prepare: toTimeWait("tcp6"),
		Drops: []Drop{
			{Reason: "NOT_SPECIFIED", State: "TIME_WAIT", Flags: "RST", Frame: "tcp_v6_rcv", Family: "ipv6", Count: scenarioSegments},
			lastACK("ipv6"),
		},
	},
	{
		// The listener resets the ACK; the RST goes back to the sender's
		// port, where no socket is, and is dropped too.
		Name:    "listener ack without request",
		Prepare: toListener(ACK),
		Drops: []Drop{
			// NOT_SPECIFIED on 6.1: tcp_rcv_state_process returns
			// reasons since 6.9 (measured on 6.1 and 6.18 only).
			{Reason: "TCP_FLAGS", State: "LISTEN", Flags: "ACK", Frame: "tcp_v4_do_rcv", Family: "ipv4", Count: scenarioSegments,
				Changed: Version{6, 9}, OldReason: "NOT_SPECIFIED"},
			{Reason: "NO_SOCKET", State: "NONE", Flags: "RST", Frame: "tcp_v4_rcv", Family: "ipv4", Count: scenarioSegments},
		},
	},
	{
		Name:    "listener syn fin",
		Prepare: toListener(SYN | FIN),
		Drops: []Drop{{Reason: "TCP_FLAGS", State: "LISTEN", Flags: "FIN|SYN", Frame: "tcp_rcv_state_process", Family: "ipv4",
			Count: scenarioSegments, ViaTCPDrop: true}},
	},
	{
		Name: "netfilter",
		Prepare: func(t testing.TB, ns *NS) (func() error, error) {
			port, err := ns.FreePort("tcp4")
			if err != nil {
				return nil, err
			}
			ns.NftDrop(t, "ip", port)
			// Raw SYNs, not connects: a connect's SYN is retransmitted
			// after 1 s, which a stalled test thread may let happen before
			// it closes the socket.
			return sendRaw(ns, Segment{Network: "tcp4", SrcPort: port, DstPort: port, Seq: 1, Flags: SYN, Window: 1024})
		},
		// 5.10 frees it in nf_hook_slow (kernels between 5.10 and 6.1
		// not measured).
		Drops: []Drop{{Reason: "NETFILTER_DROP", State: "NONE", Flags: "SYN", Frame: "nft_do_chain", Family: "ipv4",
			Count: scenarioSegments, Changed: Version{6, 1}, OldFrame: "nf_hook_slow"}},
	},
}

// consumedSince is the first kernel measured to consume what 5.10 drops
// through tcp_drop() as a connection ends (kernels in between not
// measured; where those trace the drop, its reason and frame here are a
// guess).
var consumedSince = Version{6, 1}

// refusingRST is the drop, on older kernels, of each RST that refuses a
// connect: tcp_rcv_synsent_state_process resets the socket, then drops the
// RST.
func refusingRST(family string) Drop {
	return Drop{Reason: "NOT_SPECIFIED", State: "CLOSE", Flags: "RST|ACK", Frame: "tcp_rcv_state_process", Family: family,
		Count: scenarioSegments, ViaTCPDrop: true, ConsumedSince: consumedSince}
}

// lastACK is the drop, on older kernels, of the ACK that ends the LAST_ACK
// state of the server that TimeWait closes: tcp_rcv_state_process closes
// the socket, then drops the ACK.
func lastACK(family string) Drop {
	return Drop{Reason: "NOT_SPECIFIED", State: "CLOSE", Flags: "ACK", Frame: "tcp_rcv_state_process", Family: family,
		Count: 1, ViaTCPDrop: true, ConsumedSince: consumedSince}
}

// pingData is what an established scenario's client sends first, so that
// the server has data to be sent again.
const pingData = "ping"

func closedPort(network string) func(testing.TB, *NS) (func() error, error) {
	return func(_ testing.TB, ns *NS) (func() error, error) {
		port, err := ns.FreePort(network)
		if err != nil {
			return nil, err
		}
		return func() error { return ns.ConnectClosed(network, port, scenarioSegments) }, nil
	}
}

// sendRaw is a cause that sends scenarioSegments copies of seg.
func sendRaw(ns *NS, seg Segment) (func() error, error) {
	return func() error { return ns.SendRaw(seg, scenarioSegments) }, nil
}

// onEstablished prepares a fresh connection on network whose client sent
// pingData; its cause sends the segment seg builds to the server and
// checks that the drops left the connection where it was.
func onEstablished(network string, seg func(*Conn, Seq) Segment) func(testing.TB, *NS) (func() error, error) {
	return func(t testing.TB, ns *NS) (func() error, error) {
		c, err := ns.Established(network)
		if err != nil {
			return nil, err
		}
		t.Cleanup(func() { _ = c.Close() })
		if err := c.Ping(); err != nil {
			return nil, err
		}
		before, err := c.ServerSeq()
		if err != nil {
			return nil, err
		}
		return func() error {
			if err := ns.SendRaw(seg(c, before), scenarioSegments); err != nil {
				return err
			}
			after, err := c.ServerSeq()
			if err != nil {
				return err
			}
			if after != before {
				return fmt.Errorf("server sequence moved from %+v to %+v: segments were not all dropped", before, after)
			}
			return nil
		}, nil
	}
}

// toTimeWait prepares a TIME_WAIT socket on network; its cause sends it
// RSTs beyond its window, which it drops unanswered.
func toTimeWait(network string) func(testing.TB, *NS) (func() error, error) {
	return func(_ testing.TB, ns *NS) (func() error, error) {
		tw, err := ns.TimeWait(network)
		if err != nil {
			return nil, err
		}
		return sendRaw(ns, tw.ToTimeWait(RST, tw.RcvNxt+farAhead))
	}
}

// toListener prepares a listener; its cause sends segments with flags from
// a port without a socket to it.
func toListener(flags uint8) func(testing.TB, *NS) (func() error, error) {
	return func(_ testing.TB, ns *NS) (func() error, error) {
		port, err := ns.Listen("tcp4")
		if err != nil {
			return nil, err
		}
		src, err := ns.FreePort("tcp4")
		if err != nil {
			return nil, err
		}
		return sendRaw(ns, Segment{Network: "tcp4", SrcPort: src, DstPort: port, Seq: 1, Ack: 1, Flags: flags, Window: 1024})
	}
}

// ScenarioNamed is the scenario of that name. An unknown name is a typo in
// a test, which it fails.
func ScenarioNamed(t testing.TB, name string) Scenario {
	t.Helper()
	for _, s := range Scenarios {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no scenario %q", name)
	return Scenario{}
}
