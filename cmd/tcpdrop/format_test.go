package main

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tcpdrop/tcpdrop/internal/drop"
	"github.com/tcpdrop/tcpdrop/internal/kallsyms"
	"github.com/tcpdrop/tcpdrop/internal/owner"
)

// fakeNames names from maps; Stack is already trimmed, as drop.Namer's is.
type fakeNames map[uint64]kallsyms.Symbol

func (fakeNames) Reason(v uint32) string             { return map[uint32]string{3: "NO_SOCKET"}[v] }
func (f fakeNames) Frame(addr uint64) string         { return f[addr].Name }
func (f fakeNames) Site(addr uint64) kallsyms.Symbol { return f[addr] }
func (f fakeNames) Stack(addrs []uint64) []kallsyms.Symbol {
	var out []kallsyms.Symbol
	for _, a := range addrs {
		out = append(out, f[a])
	}
	return out
}

var names = fakeNames{
	0xffffffff81a00091: {Addr: 0xffffffff81a00091, Name: "tcp_v4_rcv", Offset: 0x91},
	0xffffffff81b00028: {Addr: 0xffffffff81b00028, Name: "ip_protocol_deliver_rcu", Offset: 0x28},
	0xffffffffc0000040: {Addr: 0xffffffffc0000040, Name: "nft_do_chain", Module: "nf_tables", Offset: 0x40},
}

func event(src, dst string) drop.Event {
	return drop.Event{
		Time:     time.Date(2026, 11, 24, 5, 46, 7, 123, time.Local),
		Src:      netip.MustParseAddrPort(src),
		Dst:      netip.MustParseAddrPort(dst),
		Reason:   3,
		Location: 0xffffffff81a00091,
		Stack:    []uint64{0xffffffff81a00091, 0xffffffff81b00028},
		Netns:    4026531840,
		Ifindex:  1,
		PID:      82093,
		Comm:     "curl",
		Bytes:    60,
		Flags:    0x02,
		Family:   4,
	}
}

func TestWriteText(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, writeText(&b, event("10.74.40.245:50010", "10.74.40.245:58484"), owner.Owner{}, names, true))
	e := event("[::1]:50010", "[::1]:9")
	e.Family, e.State, e.Flags = 6, 1, 0x10
	require.NoError(t, writeText(&b, e, owner.Owner{Cgroup: "system.slice/nginx.service"}, names, false))
	require.Equal(t, ""+
		"05:46:07 82093  4  10.74.40.245:50010   > 10.74.40.245:58484   NONE (SYN) NO_SOCKET -\n"+
		"    tcp_v4_rcv+0x91\n"+
		"    ip_protocol_deliver_rcu+0x28\n"+
		"\n"+
		"05:46:07 82093  6  [::1]:50010          > [::1]:9              ESTABLISHED (ACK) NO_SOCKET system.slice/nginx.service\n",
		b.String())
}

func TestWriteJSON(t *testing.T) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	e := event("127.0.0.1:41660", "127.0.0.1:9")
	require.NoError(t, writeJSON(enc, e, web, names))
	e.Stack = nil
	require.NoError(t, writeJSON(enc, e, owner.Owner{}, names))

	dec := json.NewDecoder(&b)
	var got map[string]any
	require.NoError(t, dec.Decode(&got))
	require.Equal(t, map[string]any{
		"time": e.Time.Format(time.RFC3339Nano), "pid": 82093.0, "comm": "curl", "ip": 4.0,
		"saddr": "127.0.0.1", "sport": 41660.0, "daddr": "127.0.0.1", "dport": 9.0,
		"state": "NONE", "flags": "SYN", "reason": "NO_SOCKET", "frame": "tcp_v4_rcv", "location": "tcp_v4_rcv+0x91",
		"netns": 4026531840.0, "ifindex": 1.0, "bytes": 60.0,
		"stack":  []any{"tcp_v4_rcv+0x91", "ip_protocol_deliver_rcu+0x28"},
		"cgroup": web.Cgroup, "container_id": web.Container.ID, "container_name": "web", "pod_uid": "",
	}, got)
	got = nil
	require.NoError(t, dec.Decode(&got))
	require.Equal(t, []any{}, got["stack"], "no stack: an empty list, not null")
	require.Equal(t, "", got["container_id"], "no owner: empty, and there")
	require.False(t, dec.More(), "one object per line")
}
