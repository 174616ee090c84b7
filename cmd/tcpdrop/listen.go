package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"time"

	"github.com/tcpdrop/tcpdrop/internal/listeners"
	"github.com/tcpdrop/tcpdrop/internal/owner"
)

// keepListener applies -4, -6, -port, -netns, -container and -cgroup to a
// listener line; owner is its namespace's.
func keepListener(o options, l listeners.ListenerGrowth, owner owner.Owner) bool {
	switch {
	case !o.wants(owner):
		return false
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

// writeListenText prints a listener whose drops grew and its namespace's
// owner, e.g.
// "LISTEN 127.0.0.1:8080 netns 4026532177 drops 24 accept queue 2/2 web".
func writeListenText(w io.Writer, l listeners.ListenerGrowth, o owner.Owner) error {
	_, err := fmt.Fprintf(w, "LISTEN %s netns %d drops %d accept queue %d/%d %s\n",
		netip.AddrPortFrom(l.Address, l.Port), l.Netns, l.Drops, l.AcceptQueue, l.AcceptQueueMax, ownerLabel(o))
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
	// The namespace's owner, "" where none is known.
	Cgroup        string `json:"cgroup"`
	ContainerID   string `json:"container_id"`
	ContainerName string `json:"container_name"`
	PodUID        string `json:"pod_uid"`
}

func writeListenJSON(enc *json.Encoder, l listeners.ListenerGrowth, o owner.Owner, now time.Time) error {
	return enc.Encode(jsonListen{
		Time:           now,
		Listen:         netip.AddrPortFrom(l.Address, l.Port).String(),
		Address:        l.Address.String(),
		Port:           l.Port,
		Netns:          l.Netns,
		Drops:          l.Drops,
		AcceptQueue:    l.AcceptQueue,
		AcceptQueueMax: l.AcceptQueueMax,
		Cgroup:         o.Cgroup,
		ContainerID:    o.Container.ID,
		ContainerName:  o.Container.Name,
		PodUID:         o.Container.PodUID,
	})
}
