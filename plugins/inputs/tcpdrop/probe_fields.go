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
	for _, blind := range info.BlindSpots() {
		log.Warn("Not seen as usual: " + blind)
	}
}
