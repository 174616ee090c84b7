//go:build linux

package e2e

import (
	"math"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpdrop/tcpdrop/internal/netnstest"
)

// labelValues is Grafana's variable query label_values(metric, label),
// which is not PromQL; group by (label) (metric) has the same values.
var labelValues = regexp.MustCompile(`^label_values\((\w+), *(\w+)\)$`)

// Every PromQL query of the Prometheus dashboard returns data from a real
// Prometheus that scraped Telegraf's prometheus_client, with the plugin's
// running totals as the README configures them. Grafana's macros are
// expanded as Grafana does: $__range and $__rate_interval to durations,
// $host to a regex-escaped host name (backslashes doubled inside a PromQL
// string).
func TestPrometheusDashboardQueriesReturnData(t *testing.T) {
	netnstest.RequirePrivileges(t)
	queries := dashboardQueries(t, "tcpdrop-prometheus.json")
	require.NotEmpty(t, queries)
	tl := requireTools(t)
	prometheus := requirePrometheus(t)
	port := freePorts(t, 1)[0]
	conf := agentConf + "\n" + execdBlock(t, tl.plugin, pluginConfig(t, "[[inputs.tcpdrop]]\n  running_totals = true\n")) + "\n" +
		prometheusOutput(port, "")
	tg := startTelegraf(t, tl.telegraf, tl.plugin, conf)
	tg.waitCounting(t, 1)
	prom := startPrometheus(t, prometheus, port)

	// Two rounds of drops: increase() counts from a series' first sample,
	// so only the second round's drops are in it for certain.
	ns := netnstest.New(t)
	const second = 200
	connectClosed(t, ns, "tcp4", 100)
	connectClosed(t, ns, "tcp6", 100)
	listenPort, err := ns.ListenBacklog("tcp4", 1)
	require.NoError(t, err)
	_, err = ns.Overflow("tcp4", listenPort, 8)
	require.NoError(t, err)
	noSocket := `sum(tcpdrop_drops{reason="NO_SOCKET"})`
	waitAtLeast := func(expr string, want float64) {
		t.Helper()
		require.EventuallyWithT(t, func(c *assert.CollectT) {
			v, err := prom.sum(expr)
			require.NoError(c, err)
			require.GreaterOrEqual(c, v, want)
		}, waitLimit, 200*time.Millisecond, "%s in Prometheus", expr)
	}
	waitAtLeast(noSocket, 200)
	waitAtLeast(`sum(tcpdrop_listen_drops)`, 1)
	connectClosed(t, ns, "tcp4", second)
	waitAtLeast(noSocket, 200+second)
	waitAtLeast(`sum(increase(tcpdrop_drops{reason="NO_SOCKET"}[10m]))`, second)

	host, err := os.Hostname()
	require.NoError(t, err)
	macros := strings.NewReplacer(
		"$__range", "10m",
		"$__rate_interval", "10s",
		"$host", strings.ReplaceAll(regexp.QuoteMeta(host), `\`, `\\`),
	)
	expand := func(q string) string {
		q = macros.Replace(q)
		if m := labelValues.FindStringSubmatch(q); m != nil {
			return "group by (" + m[2] + ") (" + m[1] + ")"
		}
		return q
	}
	forEachQuery(t, queries, expand, func(t *testing.T, name, q string) {
		series, values, err := prom.query(q)
		require.NoError(t, err)
		require.NotEmpty(t, series, "%s: no series", q)
		for _, v := range values {
			require.False(t, math.IsNaN(v) || math.IsInf(v, 0), "%s: %v", q, v)
		}
		switch name {
		case "TCP drops/A":
			// At least the second round; other drops on the host add.
			require.GreaterOrEqual(t, values[0], float64(second), q)
		case "Drops per reason/A":
			require.True(t, slices.ContainsFunc(series, func(s promSample) bool { return s.Metric["reason"] == "NO_SOCKET" }), q)
		case "$host":
			require.Equal(t, host, series[0].Metric["host"])
		}
	})
}
