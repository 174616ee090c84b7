//go:build !linux

package tcpdrop

import (
	"errors"

	"github.com/influxdata/telegraf"
)

// running has nothing to hold where the plugin cannot run.
type running struct{}

func (*TCPDrop) Start(telegraf.Accumulator) error {
	return errors.New("tcpdrop needs Linux: it counts drops with eBPF at skb:kfree_skb")
}

func (*TCPDrop) Gather(telegraf.Accumulator) error { return nil }

func (*TCPDrop) Stop() {}
