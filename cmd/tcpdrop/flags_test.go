package main

import (
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tcpdrop/tcpdrop/internal/probe"
)

func TestParseFlags(t *testing.T) {
	o, err := parseFlags(nil, io.Discard)
	require.NoError(t, err)
	require.Equal(t, options{rate: 100, mode: probe.ModeAuto, interval: time.Second}, o, "defaults; nil exclude is the default exclusion")

	o, err = parseFlags([]string{"-6", "-reason", "NO_SOCKET, TCP_CSUM", "-exclude", "", "-port", "443",
		"-netns", "4026531840", "-count", "5", "-duration", "1m", "-no-stack", "--json", "-rate", "10", "-probe", "raw_tp",
		"-listen", "-interval", "5s", "-container", "web", "-cgroup", "/system.slice/"}, io.Discard)
	require.NoError(t, err)
	require.Equal(t, options{
		family: 6, reasons: []string{"NO_SOCKET", "TCP_CSUM"}, exclude: []string{}, port: 443, netns: 4026531840,
		count: 5, duration: time.Minute, noStack: true, json: true, rate: 10, mode: probe.ModeRaw,
		listen: true, interval: 5 * time.Second, container: "web", cgroup: "system.slice",
	}, o)

	for want, args := range map[string][]string{
		"-4 and -6 exclude each other":              {"-4", "-6"},
		"-port 70000 is not a port":                 {"-port", "70000"},
		"-rate must be between 1 and 1000000":       {"-rate", "0"},
		`unexpected argument "eth0"`:                {"eth0"},
		`unknown probe "kprobe"`:                    {"-probe", "kprobe"},
		"-count and -duration must not be negative": {"-count", "-1"},
		"-interval must be positive":                {"-interval", "0s"},
	} {
		_, err := parseFlags(args, io.Discard)
		require.ErrorContains(t, err, want, "%v", args)
	}
}
