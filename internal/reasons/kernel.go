package reasons

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/cilium/ebpf/btf"
)

// reasonModules may define subsystem drop reasons when built as modules.
var reasonModules = []string{"openvswitch", "mac80211"}

// NewKernel reads drop reasons from the running kernel's BTF through cache,
// which the probe's load shares, so vmlinux is parsed once.
func NewKernel(cache *btf.Cache) (*Decoder, error) {
	vmlinux, err := cache.Kernel()
	if err != nil {
		return nil, fmt.Errorf("load kernel btf (/sys/kernel/btf/vmlinux, needs CONFIG_DEBUG_INFO_BTF): %w", err)
	}
	specs := []*btf.Spec{vmlinux}
	for _, mod := range reasonModules {
		if _, err := os.Stat(filepath.Join("/sys/kernel/btf", mod)); err != nil {
			continue // not loaded: its reasons cannot occur
		}
		// Best effort: without it, its reasons are named <SUBSYS>_<code>.
		if spec, err := cache.Module(mod); err == nil {
			specs = append(specs, spec)
		}
	}
	return New(specs...)
}
