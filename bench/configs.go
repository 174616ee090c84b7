//go:build linux

package main

import (
	_ "embed"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"
)

//go:embed bpftrace/perdrop.bt
var bpftracePerDrop string

//go:embed bpftrace/count.bt
var bpftraceCount string

// env is what runs need besides their configuration.
type env struct {
	bin, tmp   string
	self       string      // this program, which also runs the empty probe
	csumReason uint32      // the kernel's number for TCP_CSUM, for bpftrace's output
	ksoftirqd  map[int]int // pid of each storm CPU's ksoftirqd
}

// config is one way of watching one storm, or none.
type config struct {
	key   string // short name for -only and progress lines
	name  string // row of the table
	about string // how it runs, for the report
	storm *storm
	// prepare returns the tracer of one storm in the namespaces netns;
	// nil for no tracer.
	prepare func(e env, netns []uint64) (spec, error)
}

// baseline is the configuration without a tracer under st.
func baseline(st *storm) config {
	return config{key: st.baselineKey(), name: "no tracer", about: "The baseline: the storm alone.", storm: st}
}

// emptyConfig runs the floor of every probe under st: this program with
// -empty_probe, which attaches an empty tp_btf program to skb:kfree_skb.
func emptyConfig(st *storm) config {
	key := "empty"
	if st != tcpStorm {
		key += "-" + st.key
	}
	return config{key: key, name: "empty tp_btf program", storm: st,
		about: "An empty `tp_btf/kfree_skb` program (this program with `-empty_probe`): the cost of the tracepoint's dispatch to BPF, the floor of any probe there.",
		prepare: func(e env, _ []uint64) (spec, error) {
			return spec{argv: []string{e.self, "-empty_probe"}, viaStdin: true}, nil
		}}
}

// spec is a tracer for one storm.
type spec struct {
	argv   []string
	stdout io.Writer // nil: /dev/null
	// viaStdin stops the tracer by closing its stdin (the shim exits then);
	// other tracers get SIGINT.
	viaStdin bool
	// windowOnLine: the tracer ends a window when a line arrives on its
	// stdin (the shim's -poll_interval_disabled), which runOnce sends
	// after each storm.
	windowOnLine bool
	// settled reports whether the tracer has reported every drop before t;
	// nil if there is nothing to wait for.
	settled func(t time.Time) (bool, error)
	// tally reads what the exited tracer reported; nil if it reports
	// neither counts nor losses.
	tally func(stderr []byte) (tally, error)
}

// unknown marks a figure a configuration cannot report.
const unknown = -1

// tally is what a tracer reported about the storm: the drops it counted
// (or printed) and the events it said it lost.
type tally struct{ counted, lost int64 }

// Plugin configuration files: the built-in defaults plus netns, so the
// bench namespace's drops can be told apart from the rest of the host's.
const (
	pluginDefaults = `[[inputs.tcpdrop]]
  group_by = ["reason", "state", "flags", "frame", "netns"]
`
	pluginEvents = pluginDefaults + `  event_metrics = true
`
	// Room for the storm's series and whatever else the host drops.
	pluginPorts = `[[inputs.tcpdrop]]
  group_by = ["reason", "state", "flags", "frame", "netns", "local_port"]
  max_keys = 4352
`
)

const pluginAbout = "`bin/telegraf-tcpdrop -poll_interval_disabled -config F`, F = the defaults plus `netns` in `group_by`: counts, and stacks sampled at `events_per_second` = 100 for `top_stacks`. " +
	"The bench ends a window with a line on the plugin's stdin (as Telegraf's `signal = \"STDIN\"` does) right after each storm, so the plugin renders one window per storm, a window of a few seconds where the default is 10 s."

var configs = []config{
	baseline(tcpStorm),
	emptyConfig(tcpStorm),
	pluginConfig(tcpStorm, "plugin", "telegraf-tcpdrop, defaults", pluginDefaults, pluginAbout),
	pluginConfig(tcpStorm, "plugin-events", "telegraf-tcpdrop, events + stacks", pluginEvents,
		"As above with `event_metrics = true`: also one `tcpdrop_event` line per sampled drop."),
	{
		key:   "tcpdrop",
		name:  "tcpdrop > /dev/null",
		storm: tcpStorm,
		about: "`bin/tcpdrop -netns N -reason TCP_CSUM > /dev/null`: sampled drops (100 per second per CPU) printed with their stacks; counted and lost are from its summary at exit.",
		prepare: func(e env, netns []uint64) (spec, error) {
			return spec{
				argv:  []string{filepath.Join(e.bin, "tcpdrop"), "-netns", strconv.FormatUint(netns[0], 10), "-reason", "TCP_CSUM"},
				tally: tcpdropSummary,
			}, nil
		},
	},
	{
		key:   "bpftrace-print",
		name:  "bpftrace, print each drop + kstack",
		storm: tcpStorm,
		about: "`bpftrace bench/bpftrace/perdrop.bt`: every TCP drop printed with addresses, ports, flags, reason and `kstack`, as bcc's tcpdrop does. " +
			"Its stdout goes to a file in memory (tmpfs), read when it has exited: counted is the `TCP_CSUM` drops it printed (host-wide), lost its \"Lost N events\", which it prints on stdout too. " +
			"(Draining a pipe instead took more than half of CPU 1 from bpftrace: it writes each event apart.)",
		prepare: func(e env, _ []uint64) (spec, error) {
			argv, err := bpftraceCommand(e, "perdrop.bt", bpftracePerDrop)
			if err != nil {
				return spec{}, err
			}
			out, err := os.Create(filepath.Join(e.tmp, "perdrop.out"))
			if err != nil {
				return spec{}, fmt.Errorf("bpftrace output: %w", err)
			}
			return spec{argv: argv, stdout: out, tally: func([]byte) (tally, error) {
				defer os.Remove(out.Name())
				defer out.Close()
				return countPrinted(out, fmt.Sprintf("reason=%d\n", e.csumReason))
			}}, nil
		},
	},
	{
		key:   "bpftrace-count",
		name:  "bpftrace, count by reason",
		storm: tcpStorm,
		about: "`bpftrace bench/bpftrace/count.bt`: TCP drops counted by reason in a map, printed at exit; counted is its `TCP_CSUM` count (host-wide).",
		prepare: func(e env, _ []uint64) (spec, error) {
			argv, err := bpftraceCommand(e, "count.bt", bpftraceCount)
			var out lockedBuffer
			return spec{argv: argv, stdout: &out, tally: func([]byte) (tally, error) {
				counted, err := bpftraceCounted(out.Bytes(), e.csumReason)
				return tally{counted: counted, lost: 0}, err
			}}, err
		},
	},
	baseline(udp4Storm),
	emptyConfig(udp4Storm),
	pluginConfig(udp4Storm, "plugin-udp4", "telegraf-tcpdrop, defaults", pluginDefaults, "As in the TCP storm; it must count none of these drops."),
	baseline(udp6Storm),
	emptyConfig(udp6Storm),
	pluginConfig(udp6Storm, "plugin-udp6", "telegraf-tcpdrop, defaults", pluginDefaults, "As in the TCP storm; it must count none of these drops."),
	baseline(portsStorm),
	pluginConfig(portsStorm, "plugin-ports", "telegraf-tcpdrop, + local_port", pluginPorts,
		"The defaults plus `netns` and `local_port` in `group_by`, `max_keys` = 4,352: 4,096 series of the storm each window, near the limit, and room for the host's own."),
	baseline(bothStorm),
	pluginConfig(bothStorm, "plugin-both", "telegraf-tcpdrop, defaults", pluginDefaults, "As in the TCP storm; its count of each namespace must be exact."),
}

// pluginConfig runs telegraf-tcpdrop under st with the given configuration
// file and a window per storm, and reads its windows from stdout: it counts
// the drops of the storm's namespaces and reason, none if the storm is
// not TCP.
func pluginConfig(st *storm, key, name, conf, about string) config {
	return config{
		key:   key,
		name:  name,
		about: about,
		storm: st,
		prepare: func(e env, netns []uint64) (spec, error) {
			path := filepath.Join(e.tmp, key+".conf")
			if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
				return spec{}, fmt.Errorf("plugin config: %w", err)
			}
			var out lockedBuffer
			return spec{
				argv:         []string{filepath.Join(e.bin, "telegraf-tcpdrop"), "-poll_interval_disabled", "-config", path},
				stdout:       &out,
				viaStdin:     true,
				windowOnLine: true,
				settled:      func(t time.Time) (bool, error) { return windowAfter(out.Bytes(), t) },
				tally: func([]byte) (tally, error) {
					w, err := parseWindows(out.Bytes(), netns, st.reason)
					return tally{counted: w.drops, lost: w.lost}, err
				},
			}, nil
		},
	}
}

// bpftraceCommand writes the script where bpftrace can read it.
func bpftraceCommand(e env, name, script string) ([]string, error) {
	path := filepath.Join(e.tmp, name)
	if err := os.WriteFile(path, []byte(script), 0o600); err != nil {
		return nil, fmt.Errorf("bpftrace script: %w", err)
	}
	return []string{"bpftrace", path}, nil
}

func configKeys() []string {
	keys := make([]string, len(configs))
	for i, c := range configs {
		keys[i] = c.key
	}
	return keys
}

// selectConfigs returns the configurations named by keys, or all; the
// baseline of each one's storm is always included, since every ratio
// needs it.
func selectConfigs(keys []string) ([]config, error) {
	if len(keys) == 0 {
		return configs, nil
	}
	for _, k := range keys {
		if !slices.Contains(configKeys(), k) {
			return nil, fmt.Errorf("unknown configuration %q", k)
		}
	}
	var out []config
	for _, c := range configs {
		if slices.Contains(keys, c.key) || (c.prepare == nil && slices.ContainsFunc(configs, func(o config) bool {
			return o.storm == c.storm && slices.Contains(keys, o.key)
		})) {
			out = append(out, c)
		}
	}
	return out, nil
}
