//go:build linux

package e2e

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tcpdrop/tcpdrop/internal/netnstest"
)

// The drops of a namespace reach InfluxDB exactly, with the probe's own
// series beside them, and Telegraf logs nothing at Error meanwhile.
func TestDropsReachInfluxDBExactly(t *testing.T) {
	netnstest.RequirePrivileges(t)
	s := startStack(t, requireTools(t), pluginConfig(t, byNetns))
	s.tg.waitCounting(t, 1)

	ns := s.newNS(t)
	const n = 500
	connectClosed(t, ns.NS, "tcp4", n)
	s.requireDrops(t, ns, n)

	probe, err := s.db.query(`SHOW SERIES FROM "tcpdrop_probe"`)
	require.NoError(t, err)
	require.NotEmpty(t, probe, "tcpdrop_probe series")

	// The plugin's Info line is logged at Info, and nothing at Error: an
	// unprefixed stderr line would show up as "E! ... stderr: ...".
	started := s.tg.grep(counting)
	require.Len(t, started, 1)
	require.Regexp(t, `, grouped by reason,state,flags,frame,netns$`, started[0])
	require.Empty(t, s.tg.grep(regexp.MustCompile(`^\S+ E! `)))
}
