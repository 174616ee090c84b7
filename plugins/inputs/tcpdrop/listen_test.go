package tcpdrop

import (
	"net/netip"
	"testing"
	"time"

	"github.com/influxdata/telegraf"
	"github.com/influxdata/telegraf/metric"
	"github.com/influxdata/telegraf/testutil"

	"github.com/tcpdrop/tcpdrop/internal/listeners"
)

func TestAddListenWindow(t *testing.T) {
	now := time.Unix(1700000000, 0)
	w := listeners.Window{
		Listeners: []listeners.ListenerGrowth{
			{Netns: 4026532177, Address: netip.MustParseAddr("127.0.0.1"), Port: 8080, Drops: 24, AcceptQueue: 2, AcceptQueueMax: 1, Full: true},
			{Netns: 4026532177, Address: netip.MustParseAddr("::"), Port: 443, Drops: 3, AcceptQueueMax: 4096},
		},
		Namespaces: []listeners.NamespaceGrowth{
			{Netns: 4026531840},
			{Netns: 4026532177, ListenOverflows: 27, ListenDrops: 27},
			{Netns: 4026532178},
		},
	}
	var acc testutil.Accumulator
	addListenWindow(&acc, w, 4026531840, now, nil)
	want := []telegraf.Metric{
		metric.New("tcpdrop_listen", map[string]string{"netns": "4026532177", "address": "127.0.0.1", "port": "8080"},
			map[string]any{"drops": int64(24), "accept_queue": int64(2), "accept_queue_max": int64(1)}, now),
		metric.New("tcpdrop_listen", map[string]string{"netns": "4026532177", "address": "::", "port": "443"},
			map[string]any{"drops": int64(3), "accept_queue": int64(0), "accept_queue_max": int64(4096)}, now),
		metric.New("tcpdrop_netns", map[string]string{"netns": "4026531840"},
			map[string]any{"listen_overflows": int64(0), "listen_drops": int64(0)}, now),
		metric.New("tcpdrop_netns", map[string]string{"netns": "4026532177"},
			map[string]any{"listen_overflows": int64(27), "listen_drops": int64(27)}, now),
	}
	testutil.RequireMetricsEqual(t, want, acc.GetTelegrafMetrics())
}
