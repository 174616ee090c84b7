package tcpdrop

import (
	"strconv"
	"time"

	"github.com/influxdata/telegraf"

	"github.com/tcpdrop/tcpdrop/internal/drop"
	"github.com/tcpdrop/tcpdrop/internal/listeners"
	"github.com/tcpdrop/tcpdrop/internal/owner"
)

// maxListenNamespacesLimit keeps a typo from asking for a scan of minutes.
const maxListenNamespacesLimit = 100000

// addListenWindow emits a window of the listener scan: tcpdrop_listen per
// listener whose drops grew or whose accept queue is full, and
// tcpdrop_netns per namespace whose listener counters grew, the plugin's
// own namespace in every window. owners, by namespace inode, adds the
// container tags (nil: none).
func addListenWindow(acc telegraf.Accumulator, w listeners.Window, own uint64, now time.Time, owners map[uint64]owner.Owner) {
	for _, l := range w.Listeners {
		tags := map[string]string{
			"netns":   strconv.FormatUint(l.Netns, 10),
			"address": l.Address.String(),
			"port":    strconv.FormatUint(uint64(l.Port), 10),
		}
		ownerTags(tags, owners[l.Netns], drop.DimContainer)
		acc.AddFields("tcpdrop_listen", map[string]any{
			"drops":            int64(l.Drops),
			"accept_queue":     int64(l.AcceptQueue),
			"accept_queue_max": int64(l.AcceptQueueMax),
		}, tags, now)
	}
	for _, n := range w.Namespaces {
		if n.Netns != own && n.ListenOverflows == 0 && n.ListenDrops == 0 {
			continue
		}
		tags := map[string]string{"netns": strconv.FormatUint(n.Netns, 10)}
		ownerTags(tags, owners[n.Netns], drop.DimContainer)
		acc.AddFields("tcpdrop_netns", map[string]any{
			"listen_overflows": int64(n.ListenOverflows),
			"listen_drops":     int64(n.ListenDrops),
		}, tags, now)
	}
}

// namespaces are the namespaces a window of the scan has lines for.
func namespaces(w listeners.Window) []uint64 {
	var inodes []uint64
	for _, l := range w.Listeners {
		inodes = append(inodes, l.Netns)
	}
	for _, n := range w.Namespaces {
		inodes = append(inodes, n.Netns)
	}
	return inodes
}
