//go:build linux

package main

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
)

// tcpdrop's summary at exit, on stderr: "N TCP drops counted, M shown[, K
// suppressed by -rate R][, L lost (event ring full)]".
var (
	countedRE  = regexp.MustCompile(`(?m)^(\d+) TCP drops counted`)
	ringLostRE = regexp.MustCompile(`, (\d+) lost \(event ring full\)`)
)

// tcpdropSummary reads the drops bin/tcpdrop counted and the events it lost.
func tcpdropSummary(stderr []byte) (tally, error) {
	m := countedRE.FindSubmatch(stderr)
	if m == nil {
		return tally{}, errors.New("tcpdrop printed no summary")
	}
	t := tally{}
	var err error
	if t.counted, err = strconv.ParseInt(string(m[1]), 10, 64); err != nil {
		return tally{}, fmt.Errorf("tcpdrop summary: %w", err)
	}
	if m := ringLostRE.FindSubmatch(stderr); m != nil {
		if t.lost, err = strconv.ParseInt(string(m[1]), 10, 64); err != nil {
			return tally{}, fmt.Errorf("tcpdrop summary: %w", err)
		}
	}
	return t, nil
}
