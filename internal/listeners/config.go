package listeners

import "os"

// Config says where to look and how much to scan.
type Config struct {
	// ProcRoot is where the host's proc is mounted: /proc, or the
	// HOST_PROC of a container.
	ProcRoot string
	// NetnsDir holds the named namespaces (ip netns): /run/netns.
	NetnsDir string
	// MaxNamespaces caps the namespaces read per scan besides the
	// scanner's own; 0 reads all. The rest wait for the next scans, taken
	// in turn by inode.
	MaxNamespaces int
}

// HostConfig is where the host's namespaces are found: its proc, or the
// HOST_PROC a container mounts it at, and ip netns's /run/netns.
func HostConfig(maxNamespaces int) Config {
	proc := os.Getenv("HOST_PROC")
	if proc == "" {
		proc = "/proc"
	}
	return Config{ProcRoot: proc, NetnsDir: "/run/netns", MaxNamespaces: maxNamespaces}
}
