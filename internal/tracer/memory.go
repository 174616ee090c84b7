package tracer

import "fmt"

// Kernel memory of the two window maps (per-CPU hashes), as the kernel
// accounts it (memlock in the map's fdinfo, docs/tracer.md): each key
// costs keyOverhead bytes for the hash element and its bucket, plus a
// value on every possible CPU, whether or not it is online.
const (
	keyOverhead  = 96
	valuePerCPU  = 16
	windowMaps   = 2
	MaxMapMemory = 256 << 20 // a bound on what max_keys may ask for
)

// MapMemory is the kernel memory the window maps take for maxKeys.
func MapMemory(maxKeys uint32, possibleCPUs int) uint64 {
	return windowMaps * uint64(maxKeys) * (keyOverhead + valuePerCPU*uint64(possibleCPUs))
}

// CheckMapMemory refuses a max_keys whose maps would exceed MaxMapMemory
// on this host.
func CheckMapMemory(maxKeys uint32, possibleCPUs int) error {
	if maxKeys == 0 {
		return fmt.Errorf("max_keys must be at least 1")
	}
	if mem := MapMemory(maxKeys, possibleCPUs); mem > MaxMapMemory {
		most := MaxMapMemory / (windowMaps * (keyOverhead + valuePerCPU*uint64(possibleCPUs)))
		return fmt.Errorf("max_keys %d would take %s of kernel memory with %d possible CPUs; at most %s: max_keys %d",
			maxKeys, MiB(mem), possibleCPUs, MiB(MaxMapMemory), most)
	}
	return nil
}

// MiB spells a byte count for log lines.
func MiB(b uint64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
