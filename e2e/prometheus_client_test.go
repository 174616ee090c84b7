//go:build linux

package e2e

import (
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpdrop/tcpdrop/internal/netnstest"
)

// runningTotals is byNetns with running totals, as Prometheus users
// configure the plugin.
const runningTotals = byNetns + "  running_totals = true\n"

// prometheusOutput serves the totalled measurements at 127.0.0.1:port, as
// the README shows, with extra settings of its own.
func prometheusOutput(port int, extra string) string {
	return fmt.Sprintf(`[[outputs.prometheus_client]]
  listen = "127.0.0.1:%d"
  namepass = ["tcpdrop", "tcpdrop_listen", "tcpdrop_netns", "tcpdrop_probe"]
  collectors_exclude = ["gocollector", "process"]
%s  [outputs.prometheus_client.metric_types]
    counter = ["tcpdrop_drops", "tcpdrop_bytes", "tcpdrop_listen_drops", "tcpdrop_netns_*", "tcpdrop_probe_*"]
    gauge = ["tcpdrop_listen_accept_queue*", "tcpdrop_probe_map_keys"]
`, port, extra)
}

// scrape reads Telegraf's /metrics as Prometheus does.
func scrape(port int) (map[string]*dto.MetricFamily, error) {
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", port))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("scrape: status %s", resp.Status)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	return p.TextToMetricFamilies(resp.Body)
}

// sample is the one sample of family whose labels include want.
func sample(families map[string]*dto.MetricFamily, family string, want map[string]string) (*dto.Metric, error) {
	f := families[family]
	if f == nil {
		return nil, fmt.Errorf("no family %s", family)
	}
	var found []*dto.Metric
	for _, m := range f.GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		match := true
		for k, v := range want {
			match = match && labels[k] == v
		}
		if match {
			found = append(found, m)
		}
	}
	if len(found) != 1 {
		return nil, fmt.Errorf("%d samples of %s with %v, want 1", len(found), family, want)
	}
	return found[0], nil
}

// With running totals, a namespace's series in Prometheus' format is the
// number of its drops since the plugin started: N, then N+M, and it stays
// in windows without drops, as a counter.
func TestPrometheusRunningTotals(t *testing.T) {
	netnstest.RequirePrivileges(t)
	tl := requireTools(t)
	port := freePorts(t, 1)[0]
	// The window's time on every sample tells the windows apart.
	conf := agentConf + "\n" + execdBlock(t, tl.plugin, pluginConfig(t, runningTotals)) + "\n" +
		prometheusOutput(port, "  export_timestamp = true\n")
	tg := startTelegraf(t, tl.telegraf, tl.plugin, conf)
	tg.waitCounting(t, 1)

	ns := netnstest.New(t)
	mine := map[string]string{"netns": strconv.FormatUint(ns.Inode(), 10), "reason": "NO_SOCKET"}
	// total waits until the namespace's total is want and returns the
	// window it was first seen in.
	total := func(want float64) int64 {
		t.Helper()
		var window int64
		require.EventuallyWithT(t, func(c *assert.CollectT) {
			families, err := scrape(port)
			require.NoError(c, err)
			m, err := sample(families, "tcpdrop_drops", mine)
			require.NoError(c, err)
			require.Equal(c, dto.MetricType_COUNTER, families["tcpdrop_drops"].GetType())
			require.Equal(c, want, m.GetCounter().GetValue())
			window = m.GetTimestampMs()
		}, waitLimit, 100*time.Millisecond, "tcpdrop_drops of netns %d", ns.Inode())
		return window
	}

	const n, more = 300, 200
	connectClosed(t, ns, "tcp4", n)
	total(n)
	connectClosed(t, ns, "tcp4", more)
	last := total(n + more)
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		families, err := scrape(port)
		require.NoError(c, err)
		m, err := sample(families, "tcpdrop_drops", mine)
		require.NoError(c, err)
		require.Equal(c, float64(n+more), m.GetCounter().GetValue())
		require.GreaterOrEqual(c, m.GetTimestampMs(), last+1500, "two windows later")
		probe, err := sample(families, "tcpdrop_probe_totals_evicted", nil)
		require.NoError(c, err)
		require.Zero(c, probe.GetCounter().GetValue())
	}, waitLimit, 100*time.Millisecond, "the series in later windows without drops")
}
