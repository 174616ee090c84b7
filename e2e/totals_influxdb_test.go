//go:build linux

package e2e

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpdrop/tcpdrop/internal/netnstest"
)

// Running totals in InfluxDB: the last value of a namespace's series is
// its drops since start, and the README's query for per-interval values
// over totals, non_negative_difference of each series' last value, gives
// the drops after the series' first window.
func TestRunningTotalsInInfluxDB(t *testing.T) {
	netnstest.RequirePrivileges(t)
	s := startStack(t, requireTools(t), pluginConfig(t, runningTotals))
	s.tg.waitCounting(t, 1)

	ns := s.newNS(t)
	mine := ns.where() + ` AND "reason" = 'NO_SOCKET'`
	last := `SELECT last("drops") FROM "tcpdrop" WHERE ` + mine
	const n, more = 300, 200
	connectClosed(t, ns.NS, "tcp4", n)
	s.requireScalar(t, last, n)
	connectClosed(t, ns.NS, "tcp4", more)
	s.requireScalar(t, last, n+more)
	s.requireScalar(t, `SELECT sum("d") FROM (SELECT non_negative_difference(last("drops")) AS "d" FROM "tcpdrop" WHERE `+
		mine+` GROUP BY time(1s), *)`, more)
	// The series goes on in windows without drops.
	lines := `SELECT count("drops") FROM "tcpdrop" WHERE ` + mine
	before, err := s.db.scalar(lines)
	require.NoError(t, err)
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		got, err := s.db.scalar(lines)
		require.NoError(c, err)
		require.GreaterOrEqual(c, got, before+2)
	}, waitLimit, 100*time.Millisecond, "two more lines")
	s.requireScalar(t, last, n+more)
}

// requireScalar waits until query q gives want.
func (s *stack) requireScalar(t *testing.T, q string, want int64) {
	t.Helper()
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		got, err := s.db.scalar(q)
		require.NoError(c, err)
		require.Equal(c, want, got)
	}, waitLimit, 100*time.Millisecond, "%s", q)
}
