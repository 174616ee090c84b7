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
	for _, blind := range info.BlindSpots() {
		log.Warn("Not seen as usual: " + blind)
	}
}
