//go:build linux

package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestParseStat(t *testing.T) {
	// The command name may hold spaces and ')'.
	line := "4242 (tele (graf) x) S 1 4242 4242 0 -1 4194560 1234 0 0 0 250 37 0 0 20 0 12 0 100 0 0\n"
	user, sys, err := parseStat([]byte(line))
	require.NoError(t, err)
	require.Equal(t, 2500*time.Millisecond, user)
	require.Equal(t, 370*time.Millisecond, sys)

	_, _, err = parseStat([]byte("4242 (x) S 1 2"))
	require.ErrorContains(t, err, "too few fields")
}

func TestParseSchedstat(t *testing.T) {
	d, err := parseSchedstat([]byte("5123456789 1234 56\n"))
	require.NoError(t, err)
	require.Equal(t, 5123456789*time.Nanosecond, d)
	_, err = parseSchedstat(nil)
	require.Error(t, err)
}

func TestParseStatusKB(t *testing.T) {
	status := "Name:\ttelegraf-tcpdro\nVmPeak:\t 1300000 kB\nVmHWM:\t   45678 kB\nVmRSS:\t   40000 kB\n"
	hwm, err := parseStatusKB([]byte(status), "VmHWM")
	require.NoError(t, err)
	require.EqualValues(t, 45678*1024, hwm)
	rss, err := parseStatusKB([]byte(status), "VmRSS")
	require.NoError(t, err)
	require.EqualValues(t, 40000*1024, rss)

	_, err = parseStatusKB([]byte("Name:\tx\n"), "VmHWM")
	require.ErrorContains(t, err, "no VmHWM")
}

func TestFdinfoNumbers(t *testing.T) {
	for name, tc := range map[string]struct {
		fdinfo string
		want   map[string]uint64
	}{
		"program": {"pos:\t0\nflags:\t02000002\nprog_type:\t26\nprog_id:\t345\nrun_time_ns:\t0\n", map[string]uint64{"prog_id": 345}},
		"link":    {"pos:\t0\nlink_type:\traw_tracepoint\nlink_id:\t235\nprog_tag:\tabc\nprog_id:\t346\n", map[string]uint64{"link_id": 235, "prog_id": 346}},
		"map":     {"pos:\t0\nmap_type:\t1\nmemlock:\t4096\nmap_id:\t12\n", map[string]uint64{"map_id": 12, "memlock": 4096}},
		"file":    {"pos:\t0\nflags:\t0100000\nmnt_id:\t24\n", map[string]uint64{}},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := fdinfoNumbers([]byte(tc.fdinfo))
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

const pluginOutput = `tcpdrop,flags=SYN,frame=tcp_v4_rcv,netns=4026532519,reason=TCP_CSUM,state=NONE drops=100i,bytes=4000i 1795546541000000000
tcpdrop,flags=SYN,frame=tcp_v4_rcv,netns=4026532519,reason=NO_SOCKET,state=NONE drops=2i,bytes=80i 1795546541000000000
tcpdrop,flags=SYN,frame=tcp_v4_rcv,netns=1,reason=TCP_CSUM,state=NONE drops=7i,bytes=280i 1795546541000000000
tcpdrop_stack,frame=tcp_v4_rcv,reason=TCP_CSUM samples=101i,stack="a;b;c" 1795546541000000000
tcpdrop_probe,probe=tp_btf_rx_sk map_full=1i,filtered=5i,suppressed=899i,lost=2i,events_shed=3i,recursion_misses=4i 1795546541000000000
tcpdrop,flags=SYN,frame=tcp_v4_rcv,netns=4026532519,reason=TCP_CSUM,state=NONE drops=50i,bytes=2000i 1795546542000000000
tcpdrop_probe,probe=tp_btf_rx_sk map_full=0i,suppressed=0i,lost=0i,events_shed=0i,recursion_misses=0i 1795546542000000000
tcpdrop,flags=SYN,frame=tcp_v4_rcv,netns=4026532519,reason=TCP_CSUM,state=NONE drops=9`

func TestParseWindows(t *testing.T) {
	w, err := parseWindows([]byte(pluginOutput), []uint64{4026532519}, "TCP_CSUM")
	require.NoError(t, err)
	// The last line is incomplete and not read.
	require.EqualValues(t, 150, w.drops)
	require.EqualValues(t, 1+2+3+4, w.lost)
	require.Equal(t, time.Unix(0, 1795546542000000000), w.last)

	after, err := windowAfter([]byte(pluginOutput), time.Unix(0, 1795546541500000000))
	require.NoError(t, err)
	require.True(t, after)
	after, err = windowAfter([]byte(pluginOutput), time.Unix(0, 1795546542000000000))
	require.NoError(t, err)
	require.False(t, after)

	_, err = parseWindows([]byte("tcpdrop drops=\n"), []uint64{1}, "TCP_CSUM")
	require.Error(t, err)
}

func TestPrintCounter(t *testing.T) {
	out := "19:00:01 7346 127.0.0.1:40000 > 127.0.0.1:40001 flags=2 reason=10\n\n        tcp_v4_rcv+145\n\n" +
		"19:00:01 7346 127.0.0.1:40000 > 127.0.0.1:40001 flags=2 reason=3\n\n        tcp_v4_rcv+145\n\n" +
		"Lost 4707 events\n" +
		"19:00:01 7346 127.0.0.1:40000 > 127.0.0.1:40001 flags=2 reason=10\n\n        tcp_v4_rcv+145\n\n" +
		"Lost 3 events\n" +
		"19:00:01 7346 127.0.0.1:40000 > 127.0.0.1:40001 flags=2 reason=10\n\n        tcp_v4_rcv+145\n\n" +
		"19:00:01 7346 127.0.0.1:40000 > 127.0.0.1:40001 flags=2 reason=10" // incomplete
	// Every way of cutting the stream into two writes counts the same.
	for cut := range len(out) + 1 {
		c := printCounter{pattern: []byte("reason=10\n")}
		for _, part := range []string{out[:cut], out[cut:]} {
			n, err := c.Write([]byte(part))
			require.NoError(t, err)
			require.Equal(t, len(part), n)
		}
		require.NoError(t, c.err)
		require.Equal(t, tally{counted: 3, lost: 4710}, tally{counted: c.printed, lost: c.lost}, "cut at %d", cut)
	}

	// The file is read from its start, wherever bpftrace left the offset.
	f, err := os.Create(filepath.Join(t.TempDir(), "perdrop.out"))
	require.NoError(t, err)
	defer f.Close()
	_, err = f.WriteString(out)
	require.NoError(t, err)
	got, err := countPrinted(f, "reason=10\n")
	require.NoError(t, err)
	require.Equal(t, tally{counted: 3, lost: 4710}, got)
}

func TestBpftraceCounted(t *testing.T) {
	out := []byte("Attaching 1 probe...\n\n\n@drops[3]: 2\n@drops[10]: 63680\n")
	n, err := bpftraceCounted(out, 10)
	require.NoError(t, err)
	require.EqualValues(t, 63680, n)
	n, err = bpftraceCounted(out, 12)
	require.NoError(t, err)
	require.Zero(t, n)
}

func TestTcpdropSummary(t *testing.T) {
	got, err := tcpdropSummary([]byte("I! probe attached\n1000 TCP drops counted, 200 shown, 800 suppressed by -rate 100, 7 lost (event ring full)\n"))
	require.NoError(t, err)
	require.Equal(t, tally{counted: 1000, lost: 7}, got)
	got, err = tcpdropSummary([]byte("12 TCP drops counted, 12 shown\n"))
	require.NoError(t, err)
	require.Equal(t, tally{counted: 12, lost: 0}, got)
	_, err = tcpdropSummary([]byte("E! no probe\n"))
	require.ErrorContains(t, err, "no summary")
}
