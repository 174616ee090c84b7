//go:build linux

package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/influxdata/telegraf/plugins/serializers/influx"
	"github.com/influxdata/telegraf/testutil"

	"github.com/tcpdrop/tcpdrop/internal/netnstest"
	"github.com/tcpdrop/tcpdrop/plugins/inputs/tcpdrop"
)

// renderRuns is how many windows of each size the plugin gathers.
const renderRuns = 10

// renderFill is how long a storm fills a window: long enough to reach
// every port more than once.
const renderFill = 100 * time.Millisecond

// renderCost is what the plugin took to end one window of that many series
// and write it as line protocol: swap, read, naming and rendering.
type renderCost struct {
	series int
	ns     []float64
}

// measureRender runs the plugin in this process, as the shim would, with
// the defaults plus netns and local_port and the listener scan off (its
// cost is per namespace, not per series), fills each window with a storm
// over as many ports as series, and times Gather and the serializer.
func measureRender(ctx context.Context, series []int) ([]renderCost, error) {
	ns, err := netnstest.Open()
	if err != nil {
		return nil, err
	}
	defer ns.Close()
	p := tcpdrop.New()
	p.Log = testutil.Logger{Quiet: true}
	p.GroupBy = []string{"reason", "state", "flags", "frame", "netns", "local_port"}
	p.MaxKeys = sweepMaxKeys
	p.Listeners = false
	if err := p.Init(); err != nil {
		return nil, err
	}
	var acc testutil.Accumulator
	if err := p.Start(&acc); err != nil {
		return nil, err
	}
	defer p.Stop()
	ser := &influx.Serializer{}
	if err := ser.Init(); err != nil {
		return nil, err
	}
	out := make([]renderCost, len(series))
	for i, n := range series {
		out[i].series = n
		for range renderRuns {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			if sent, err := ns.Flood(renderFill, spreadPorts(stormSegment, n)...); err != nil {
				return nil, err
			} else if sent < n {
				return nil, fmt.Errorf("render: %d packets for %d series", sent, n)
			}
			acc.ClearMetrics()
			start := time.Now()
			if err := p.Gather(&acc); err != nil {
				return nil, err
			}
			lines, err := ser.SerializeBatch(acc.GetTelegrafMetrics())
			if err != nil {
				return nil, err
			}
			took := time.Since(start)
			if got := countSeries(&acc, ns.Inode()); got < n {
				return nil, fmt.Errorf("render: window of %d series, want %d (%d bytes)", got, n, len(lines))
			}
			out[i].ns = append(out[i].ns, float64(took.Nanoseconds()))
		}
		fmt.Fprintf(os.Stderr, "bench: render %d series: %.2f ms\n", n, spreadOf(out[i].ns).median/1e6)
	}
	return out, nil
}

// countSeries counts the tcpdrop series of namespace netns in acc.
func countSeries(acc *testutil.Accumulator, netns uint64) int {
	n := 0
	for _, m := range acc.GetTelegrafMetrics() {
		if v, ok := m.GetTag("netns"); ok && m.Name() == "tcpdrop" && v == fmt.Sprint(netns) {
			n++
		}
	}
	return n
}
