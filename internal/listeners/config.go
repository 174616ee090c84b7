package listeners

import "github.com/tcpdrop/tcpdrop/internal/hostproc"

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
	return Config{ProcRoot: hostproc.Path(), NetnsDir: "/run/netns", MaxNamespaces: maxNamespaces}
}
