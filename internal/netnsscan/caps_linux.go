package netnsscan

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// EffectiveCaps returns the calling thread's effective capabilities as a
// mask of 1<<CAP_*.
func EffectiveCaps() (uint64, error) {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return 0, fmt.Errorf("capget: %w", err)
	}
	return uint64(data[0].Effective) | uint64(data[1].Effective)<<32, nil
}
