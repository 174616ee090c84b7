package tcpdrop

import (
	"github.com/influxdata/telegraf"

	"github.com/tcpdrop/tcpdrop/internal/probe"
)

// windowFields are tcpdrop_probe's counters of the window itself, cut at
// the same swap as its counts.
func windowFields(w probe.Window, sampling bool) map[string]any {
	f := map[string]any{
		"map_full":   int64(w.Stats.MapFull),
		"filtered":   int64(w.Stats.Filtered),
		"unparsed":   int64(w.Stats.Unparsed),
		"sampled":    int64(w.Stats.Sampled),
		"lost":       int64(w.Stats.Lost),
		"sk_drops":   int64(w.Stats.SkDrops),
		"map_keys":   int64(len(w.Counts)),
		"suppressed": int64(0),
	}
	if sampling {
		f["suppressed"] = int64(w.Suppressed())
	}
	return f
}

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
