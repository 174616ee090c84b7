package shimlog

import (
	"bytes"
	"errors"
	"testing"

	"github.com/influxdata/telegraf"
	"github.com/stretchr/testify/require"
)

func TestEveryLineCarriesItsLevelPrefix(t *testing.T) {
	var b bytes.Buffer
	l := New(&b, telegraf.Debug)
	l.Errorf("attach: %v", errors.New("denied"))
	l.Warn("careful")
	l.Infof("via %s", "tp_btf")
	l.Debugf("Verifier log:\n0: R1=ctx\n1: exit\n")
	l.Trace("not shown at debug")
	require.Equal(t, "E! attach: denied\nW! careful\nI! via tp_btf\nD! Verifier log:\nD! 0: R1=ctx\nD! 1: exit\n", b.String())
}

func TestLevelFilters(t *testing.T) {
	var b bytes.Buffer
	l := New(&b, telegraf.Info)
	l.Debug("hidden")
	l.Info("shown")
	require.Equal(t, "I! shown\n", b.String())
	require.Equal(t, telegraf.Info, l.Level())
}
