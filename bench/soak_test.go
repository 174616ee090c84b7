//go:build linux

package main

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSoakCheck(t *testing.T) {
	flat := soakSample{heap: 1 << 20, rss: 20 << 20, fds: 24, threads: 9, goroutines: 10, memlock: 1312 << 10}
	r := soakReport{samples: []soakSample{{}, flat, flat}}
	require.Empty(t, r.check(), "the first sample is the warm-up")

	grown := flat
	grown.fds, grown.heap = 30, 6<<20
	r.samples = append(r.samples, grown)
	require.Equal(t, []string{
		"heap grew from 1048576 to 6291456 (limit 5505024)",
		"fds grew from 24 to 30 (limit 26)",
	}, r.check())
}
