package tcpdrop

import (
	"github.com/influxdata/telegraf"

	"github.com/tcpdrop/tcpdrop/internal/probe"
)

// probeTags say, in every window, what the probe in use can see.
func probeTags(info probe.Info) map[string]string {
	return map[string]string{
		"probe":      string(info.Mode),
		"state_from": string(info.StateFrom),
		"tcp_drop":   string(info.TCPDrop),
	}
}

// warnBlindSpots says once at start what this kernel hides from the probe.
func warnBlindSpots(log telegraf.Logger, info probe.Info) {
	if info.StateFrom == probe.StateFromSkb {
		log.Warn("This kernel's tracepoint does not pass the socket (before 6.11) and the receive hooks are off or could not attach: " +
			"drops of received packets have state NONE and local_port is the packet's destination port")
	}
	switch info.TCPDrop {
	case probe.TCPDropSkDrops:
		log.Info("This kernel's tcp_drop() frees packets out of sight of skb:kfree_skb (before 5.18): " +
			"those drops are counted from the sockets' sk_drops growth, with frame tcp_drop and reason UNKNOWN")
	case probe.TCPDropMissed:
		log.Warn("This kernel's tcp_drop() frees packets out of sight of skb:kfree_skb (before 5.18) and the receive hooks are off or could not attach: " +
			"drops of established, listening and closing sockets (tcp_rcv_established, tcp_validate_incoming, tcp_data_queue, tcp_rcv_state_process) are not counted; " +
			"`ss -tm` shows them per socket as d<N> (sk_drops)")
	}
}
