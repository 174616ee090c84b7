//go:build linux

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

// testNS is a fresh namespace and the newest window from before it took
// drops.
type testNS struct {
	*netnstest.NS
	before string // RFC 3339 time of that window
}

// newNS makes a namespace and waits for a window that ended after it was
// made. Inode numbers are reused: a namespace of another test, gone just
// before this one came, may have had this inode, and its drops are in the
// database under it, up to that window. Drops caused from now on are in
// later windows only, which is what where selects.
func (s *stack) newNS(t *testing.T) testNS {
	t.Helper()
	ns := netnstest.New(t)
	made := time.Now()
	var before string
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		r, err := s.db.query(`SELECT last("map_keys") FROM "tcpdrop_probe"`)
		require.NoError(c, err)
		require.NotEmpty(c, r)
		before, _ = r[0].Values[0][0].(string)
		last, err := time.Parse(time.RFC3339Nano, before)
		require.NoError(c, err)
		require.True(c, last.After(made))
	}, waitLimit, 100*time.Millisecond, "a window after the namespace was made")
	return testNS{NS: ns, before: before}
}

// where selects the series of ns, in the windows after it was made.
func (ns testNS) where() string {
	return fmt.Sprintf(`"netns" = '%d' AND time > '%s'`, ns.Inode(), ns.before)
}

// noSocketDrops is the number of NO_SOCKET drops of ns in the database.
func (s *stack) noSocketDrops(ns testNS) (int64, error) {
	n, err := s.db.scalar(`SELECT sum("drops") FROM "tcpdrop" WHERE ` + ns.where() + ` AND "reason" = 'NO_SOCKET'`)
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
func (s *stack) requireDrops(t *testing.T, ns testNS, want int64) {
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
