package owner

// Ref is what a window's key holds of a drop's owner.
type Ref struct {
	// Cgroup is the socket's cgroup v2 ID (its directory's inode in the
	// cgroup2 mount), 0 where the drop had no socket.
	Cgroup uint64
	// Netns is the drop's network namespace inode, 0 if unknown.
	Netns uint32
}

// Owner is whose a drop is.
type Owner struct {
	// Cgroup is the cgroup v2 path relative to the hierarchy's root
	// (system.slice/nginx.service, "/" for the root itself): the socket's
	// or, for a drop without one, that of the process that named its
	// namespace's container; "" if unknown.
	Cgroup string
	// Container is the container the cgroup names or, failing that, the
	// one whose network namespace the drop is in; zero if none.
	Container Container
}

// DefaultDockerEndpoint is where the Docker Engine API usually answers.
const DefaultDockerEndpoint = "unix:///var/run/docker.sock"

// Config says where the resolver looks.
type Config struct {
	// ProcRoot is the host's proc file system (hostproc.Path()).
	ProcRoot string
	// NetnsDir holds the named namespaces (/run/netns), which own no
	// container but are known, so a drop in one causes no rescan.
	NetnsDir string
	// CgroupRoot is where the cgroup2 hierarchy is mounted; "" finds it
	// in this process's mountinfo.
	CgroupRoot string
	// DockerEndpoint is the Docker Engine API's address, for container
	// names (DefaultDockerEndpoint); "" looks up none.
	DockerEndpoint string
}

// Logger is what the resolver logs through (a telegraf.Logger will do).
type Logger interface {
	Debugf(format string, args ...any)
	Warnf(format string, args ...any)
}
