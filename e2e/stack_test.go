package e2e

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpdrop/tcpdrop/internal/netnstest"
)

// stack is what a user runs: InfluxDB, and Telegraf with sample.conf's
// execd block starting the plugin and an InfluxDB output.
type stack struct {
	db *influxDB
	tg *telegrafProc
}

// startStack starts InfluxDB and Telegraf (behind wrapper, if given); the
// plugin gets -config pluginConf unless it is empty.
func startStack(t *testing.T, tl tools, pluginConf string, wrapper ...string) *stack {
	t.Helper()
	db := startInfluxDB(t, tl.influxd)
	conf := agentConf + "\n" + execdBlock(t, tl.plugin, pluginConf) + "\n" + influxOutput(db)
	return &stack{db: db, tg: startTelegraf(t, tl.telegraf, tl.plugin, conf, wrapper...)}
}

// connectClosed causes n drops in ns: connects to a closed loopback port,
// whose SYNs the kernel drops with reason NO_SOCKET.
func connectClosed(t *testing.T, ns *netnstest.NS, network string, n int) {
	t.Helper()
	port, err := ns.FreePort(network)
	require.NoError(t, err)
	require.NoError(t, ns.ConnectClosed(network, port, n))
}

// noSocketDrops is the number of NO_SOCKET drops of ns in the database.
func (s *stack) noSocketDrops(ns *netnstest.NS) (int64, error) {
	n, err := s.db.scalar(fmt.Sprintf(`SELECT sum("drops") FROM "tcpdrop" WHERE "netns" = '%d' AND "reason" = 'NO_SOCKET'`, ns.Inode()))
	if errors.Is(err, errNoData) {
		return 0, nil
	}
	return n, err
}

// windows is the number of windows in the database: each has one
// tcpdrop_probe line, with map_keys always set.
func (s *stack) windows() (int64, error) {
	n, err := s.db.scalar(`SELECT count("map_keys") FROM "tcpdrop_probe"`)
	if errors.Is(err, errNoData) {
		return 0, nil
	}
	return n, err
}

// requireDrops waits until the database holds want NO_SOCKET drops of ns,
// then until two more windows have arrived, and checks that the count is
// still want: no drop is missing or counted twice.
func (s *stack) requireDrops(t *testing.T, ns *netnstest.NS, want int64) {
	t.Helper()
	var seen int64
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		got, err := s.noSocketDrops(ns)
		require.NoError(c, err)
		require.Equal(c, want, got)
		seen, err = s.windows()
		require.NoError(c, err)
	}, waitLimit, 100*time.Millisecond, "drops of netns %d in InfluxDB", ns.Inode())
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		n, err := s.windows()
		require.NoError(c, err)
		require.GreaterOrEqual(c, n, seen+2)
	}, waitLimit, 100*time.Millisecond, "two more windows")
	got, err := s.noSocketDrops(ns)
	require.NoError(t, err)
	require.Equal(t, want, got, "after two more windows")
}
