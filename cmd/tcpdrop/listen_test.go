package main

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tcpdrop/tcpdrop/internal/listeners"
	"github.com/tcpdrop/tcpdrop/internal/owner"
)

var overflowing = listeners.ListenerGrowth{Netns: 4026532177, Address: netip.MustParseAddr("127.0.0.1"), Port: 8080,
	Drops: 24, AcceptQueue: 2, AcceptQueueMax: 2}

func TestWriteListenText(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, writeListenText(&b, overflowing, web))
	v6 := overflowing
	v6.Address = netip.MustParseAddr("::")
	require.NoError(t, writeListenText(&b, v6, owner.Owner{}))
	require.Equal(t, "LISTEN 127.0.0.1:8080 netns 4026532177 drops 24 accept queue 2/2 web\n"+
		"LISTEN [::]:8080 netns 4026532177 drops 24 accept queue 2/2 -\n", b.String())
}

func TestWriteListenJSON(t *testing.T) {
	var b bytes.Buffer
	now := time.Date(2026, 12, 2, 13, 0, 0, 0, time.UTC)
	require.NoError(t, writeListenJSON(json.NewEncoder(&b), overflowing, web, now))
	require.JSONEq(t, `{"time":"2026-12-02T13:00:00Z","listen":"127.0.0.1:8080","address":"127.0.0.1","port":8080,
		"netns":4026532177,"drops":24,"accept_queue":2,"accept_queue_max":2,
		"cgroup":"docker/`+webID+`","container_id":"`+webID+`","container_name":"web","pod_uid":""}`, b.String())
}

func TestKeepListener(t *testing.T) {
	none := owner.Owner{}
	require.True(t, keepListener(options{}, overflowing, none))
	quiet := overflowing
	quiet.Drops = 0
	require.False(t, keepListener(options{}, quiet, none), "only listeners whose drops grew")
	require.False(t, keepListener(options{family: 6}, overflowing, none))
	require.True(t, keepListener(options{family: 4, port: 8080, netns: 4026532177}, overflowing, none))
	require.False(t, keepListener(options{port: 80}, overflowing, none))
	require.False(t, keepListener(options{netns: 1}, overflowing, none))
	require.True(t, keepListener(options{container: "web"}, overflowing, web))
	require.False(t, keepListener(options{container: "web"}, overflowing, none))
}
