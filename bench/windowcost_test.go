//go:build linux

package main

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseWindowCosts(t *testing.T) {
	out := []byte(`goos: linux
BenchmarkWindow/cpus=2/emulated=false/swap-2         	      30	  13590444 ns/op
BenchmarkWindow/cpus=2/emulated=false/read/series=1000-2      	      30	    410312 ns/op
BenchmarkWindow/cpus=128/emulated=true/read/series=1000-2     	      30	   1544315.5 ns/op
PASS
`)
	costs, err := parseWindowCosts(out)
	require.NoError(t, err)
	require.Equal(t, []windowCost{
		{cpus: 2, series: 0, ns: 13590444},
		{cpus: 2, series: 1000, ns: 410312},
		{cpus: 128, emulated: true, series: 1000, ns: 1544315.5},
	}, costs)
	require.Equal(t, []windowCost{
		{cpus: 2, series: 1000, ns: 13590444 + 410312},
		{cpus: 128, emulated: true, series: 1000, ns: 13590444 + 1544315.5},
	}, windowTotals(costs))

	_, err = parseWindowCosts([]byte("FAIL\n"))
	require.ErrorContains(t, err, "no results")
}
