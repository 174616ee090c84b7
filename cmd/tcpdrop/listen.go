package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"time"

	"github.com/tcpdrop/tcpdrop/internal/listeners"
)

// keepListener applies -4, -6, -port and -netns to a listener line.
func keepListener(o options, l listeners.ListenerGrowth) bool {
	switch {
	case l.Drops == 0:
		return false
	case o.family == 4 && !l.Address.Is4():
		return false
	case o.family == 6 && !l.Address.Is6():
		return false
	case o.port != 0 && l.Port != o.port:
		return false
	case o.netns != 0 && l.Netns != uint64(o.netns):
		return false
	}
	return true
}

// writeListenText prints a listener whose drops grew, e.g.
// "LISTEN 127.0.0.1:8080 netns 4026532177 drops 24 accept queue 2/2".
func writeListenText(w io.Writer, l listeners.ListenerGrowth) error {
	_, err := fmt.Fprintf(w, "LISTEN %s netns %d drops %d accept queue %d/%d\n",
		netip.AddrPortFrom(l.Address, l.Port), l.Netns, l.Drops, l.AcceptQueue, l.AcceptQueueMax)
	return err
}

// jsonListen is a listener line for scripts; "listen" tells it from a drop.
type jsonListen struct {
	Time           time.Time `json:"time"`
	Listen         string    `json:"listen"`
	Address        string    `json:"address"`
	Port           uint16    `json:"port"`
	Netns          uint64    `json:"netns"`
	Drops          uint64    `json:"drops"`
	AcceptQueue    uint64    `json:"accept_queue"`
	AcceptQueueMax uint64    `json:"accept_queue_max"`
}

func writeListenJSON(enc *json.Encoder, l listeners.ListenerGrowth, now time.Time) error {
	return enc.Encode(jsonListen{
		Time:           now,
		Listen:         netip.AddrPortFrom(l.Address, l.Port).String(),
		Address:        l.Address.String(),
		Port:           l.Port,
		Netns:          l.Netns,
		Drops:          l.Drops,
		AcceptQueue:    l.AcceptQueue,
		AcceptQueueMax: l.AcceptQueueMax,
	})
}
