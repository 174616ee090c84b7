//go:build linux

package main

import (
	"bytes"
	"fmt"
	"slices"
	"time"

	"github.com/influxdata/line-protocol/v2/lineprotocol"
)

// lostFields are the tcpdrop_probe fields that count drops or sampled
// events the plugin could not report.
var lostFields = []string{"map_full", "recursion_misses", "lost", "events_shed"}

// windows sums what the plugin printed.
type windows struct {
	drops int64     // tcpdrop drops of the namespaces and reason
	lost  int64     // sum of lostFields over all windows
	last  time.Time // time of the latest window
}

// parseWindows reads the complete lines of the plugin's line protocol; it
// counts the drops of the namespaces netns with the reason, or any reason
// if reason is "".
func parseWindows(out []byte, netns []uint64, reason string) (windows, error) {
	var w windows
	// A line still being written has no newline yet.
	out = out[:bytes.LastIndexByte(out, '\n')+1]
	dec := lineprotocol.NewDecoderWithBytes(out)
	wantNetns := make([]string, len(netns))
	for i, n := range netns {
		wantNetns[i] = fmt.Sprint(n)
	}
	for dec.Next() {
		name, err := dec.Measurement()
		if err != nil {
			return w, fmt.Errorf("plugin output: %w", err)
		}
		measurement := string(name)
		ours, match := false, reason == ""
		for {
			k, v, err := dec.NextTag()
			if err != nil {
				return w, fmt.Errorf("plugin output: %w", err)
			}
			if k == nil {
				break
			}
			switch {
			case string(k) == "netns" && slices.Contains(wantNetns, string(v)):
				ours = true
			case string(k) == "reason" && string(v) == reason:
				match = true
			}
		}
		for {
			k, v, err := dec.NextField()
			if err != nil {
				return w, fmt.Errorf("plugin output: %w", err)
			}
			if k == nil {
				break
			}
			if v.Kind() != lineprotocol.Int {
				continue
			}
			switch {
			case measurement == "tcpdrop" && ours && match && string(k) == "drops":
				w.drops += v.IntV()
			case measurement == "tcpdrop_probe" && slices.Contains(lostFields, string(k)):
				w.lost += v.IntV()
			}
		}
		ts, err := dec.Time(lineprotocol.Nanosecond, time.Time{})
		if err != nil {
			return w, fmt.Errorf("plugin output: %w", err)
		}
		if ts.After(w.last) {
			w.last = ts
		}
	}
	return w, nil
}

// windowAfter reports whether the plugin printed a window gathered after t.
// A window holds every drop counted before it was gathered, so once one
// from after the storm is out, the storm's drops are all reported.
func windowAfter(out []byte, t time.Time) (bool, error) {
	w, err := parseWindows(out, nil, "")
	return w.last.After(t), err
}
