package main

import (
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tcpdrop/tcpdrop/internal/probe"
)

// args spells o as a command line.
func (o options) args() []string {
	a := []string{"-port", strconv.Itoa(int(o.port)), "-netns", strconv.Itoa(int(o.netns)),
		"-count", strconv.Itoa(o.count), "-duration", o.duration.String(),
		"-rate", strconv.Itoa(int(o.rate)), "-probe", string(o.mode)}
	if o.family != 0 {
		a = append(a, "-"+strconv.Itoa(int(o.family)))
	}
	if o.reasons != nil {
		a = append(a, "-reason", strings.Join(o.reasons, ","))
	}
	if o.exclude != nil {
		a = append(a, "-exclude", strings.Join(o.exclude, ","))
	}
	if o.noStack {
		a = append(a, "-no-stack")
	}
	if o.json {
		a = append(a, "-json")
	}
	return a
}

// A command line that parses holds options in their ranges, and they spell
// a command line that parses to the same options. The fuzzer's string is
// the arguments, separated by NUL.
func FuzzParseFlags(f *testing.F) {
	for _, args := range [][]string{
		{},
		{"-6", "-reason", "NO_SOCKET, TCP_CSUM", "-exclude", "", "-port", "443", "-netns", "4026531840",
			"-count", "5", "-duration", "1m", "-no-stack", "--json", "-rate", "10", "-probe", "tp_btf"},
		{"-4", "-exclude", "QUEUE_PURGE,,", "-rate=1000000", "-duration=-1s"},
		{"-port", "70000"}, {"-netns", "4294967296"}, {"-reason"}, {"-h"}, {"--", "x"},
	} {
		f.Add(strings.Join(args, "\x00"))
	}
	f.Fuzz(func(t *testing.T, line string) {
		var args []string
		if line != "" {
			args = strings.Split(line, "\x00")
		}
		o, err := parseFlags(args, io.Discard)
		if err != nil {
			return
		}
		require.Contains(t, []uint8{0, 4, 6}, o.family)
		require.GreaterOrEqual(t, o.count, 0)
		require.GreaterOrEqual(t, o.duration, time.Duration(0))
		require.True(t, o.rate >= 1 && o.rate <= 1000000, "rate %d", o.rate)
		_, err = probe.ParseMode(string(o.mode))
		require.NoError(t, err)
		for _, list := range [][]string{o.reasons, o.exclude} {
			for _, r := range list {
				require.NotEmpty(t, r)
				require.Equal(t, strings.TrimSpace(r), r)
				require.NotContains(t, r, ",")
			}
		}

		again, err := parseFlags(o.args(), io.Discard)
		require.NoError(t, err, "%q spelled as %q", args, o.args())
		require.Equal(t, o, again, "%q spelled as %q", args, o.args())
	})
}
