package owner

import (
	"strings"
)

// Runtimes, as the cgroup path names them.
const (
	Docker     = "docker"
	Containerd = "containerd"
	CRIO       = "crio"
	Podman     = "podman"
)

// Container is what a cgroup path says of a container: its runtime, ID and
// pod, and the name its runtime's API gives it. The zero value is no
// container. Runtime is "" where the layout does not tell (Kubernetes'
// cgroupfs layout puts bare IDs under the pod, whatever the runtime).
type Container struct {
	Runtime, ID, Name, PodUID string
}

// scopes are the systemd units runtimes run a container in
// (<prefix><id>.scope): the systemd cgroup driver's layout. Their conmon
// units (crio-conmon-, libpod-conmon-) hold the monitor, not the container:
// the 64 hex digits must follow the prefix directly.
var scopes = []struct{ prefix, runtime string }{
	{"docker-", Docker},
	{"cri-containerd-", Containerd},
	{"nerdctl-", Containerd},
	{"crio-", CRIO},
	{"libpod-", Podman},
}

// ParseCgroupPath finds the container a cgroup path (v1 or v2, as in
// /proc/PID/cgroup or relative to the hierarchy's root) names.
//
// Nested containers (Docker in Docker, a container in a pod) name the
// innermost: that is where the process is, and the outer one is still
// seen in PodUID where it is a pod. PodUID is the pod above that container
// in Kubernetes' layouts, with dashes (the systemd driver writes them as
// underscores). A pod's cgroup without a container in it gives the pod
// alone; a path naming none gives the zero Container.
func ParseCgroupPath(path string) Container {
	var c Container
	var pod string
	parent, parentPod := "", false
	for seg := range strings.SplitSeq(path, "/") {
		if seg == "" {
			continue
		}
		uid, isPod := podUID(seg, parent)
		if isPod {
			pod = uid
		} else if runtime, id, ok := containerSegment(seg, parent, parentPod); ok {
			c = Container{Runtime: runtime, ID: id, PodUID: pod}
		}
		parent, parentPod = seg, isPod
	}
	if c.ID == "" {
		c.PodUID = pod
	}
	return c
}

// containerSegment recognizes one path segment as a container's cgroup:
// a runtime's scope, or (cgroupfs driver) a bare ID under docker/ or
// under a Kubernetes pod.
func containerSegment(seg, parent string, parentPod bool) (runtime, id string, ok bool) {
	if isID(seg) {
		switch {
		case parent == "docker":
			return Docker, seg, true
		case parentPod:
			return "", seg, true
		}
		return "", "", false
	}
	body, ok := strings.CutSuffix(seg, ".scope")
	if !ok {
		// CRI-O under Kubernetes' cgroupfs layout: pod<uid>/crio-<id>.
		body = seg
	}
	for _, s := range scopes {
		if id, ok := strings.CutPrefix(body, s.prefix); ok && isID(id) {
			return s.runtime, id, true
		}
	}
	return "", "", false
}

// podUID recognizes a Kubernetes pod's cgroup: kubepods-<qos>-pod<uid>.slice
// or kubepods-pod<uid>.slice (systemd driver), pod<uid> under kubepods
// (cgroupfs driver).
func podUID(seg, parent string) (string, bool) {
	var uid string
	if body, ok := strings.CutSuffix(seg, ".slice"); ok && strings.HasPrefix(body, "kubepods-") {
		i := strings.LastIndex(body, "-pod")
		if i < 0 {
			return "", false
		}
		// systemd escapes every dash of the UID: a dash left in it is
		// not one.
		escaped := body[i+len("-pod"):]
		if strings.Contains(escaped, "-") {
			return "", false
		}
		uid = strings.ReplaceAll(escaped, "_", "-")
	} else if rest, ok := strings.CutPrefix(seg, "pod"); ok && isKubepods(parent) {
		uid = rest
	} else {
		return "", false
	}
	return uid, isUID(uid)
}

// isKubepods is the cgroupfs driver's kubepods directory or a QoS class in
// it (guaranteed pods sit in kubepods itself).
func isKubepods(seg string) bool {
	return seg == "kubepods" || seg == "burstable" || seg == "besteffort"
}

// isID is a container ID as all these runtimes make them: 64 lowercase hex
// digits.
func isID(s string) bool {
	return len(s) == 64 && isHex(s)
}

// isUID is a pod UID: a UUID (8-4-4-4-12 hex digits), or the 32 hex
// digits of a static pod's hash.
func isUID(s string) bool {
	switch len(s) {
	case 32:
		return isHex(s)
	case 36:
		return s[8] == '-' && s[13] == '-' && s[18] == '-' && s[23] == '-' &&
			isHex(s[:8]+s[9:13]+s[14:18]+s[19:23]+s[24:])
	}
	return false
}

// isHex is lowercase hex digits.
func isHex(s string) bool {
	for _, r := range s {
		if !('0' <= r && r <= '9' || 'a' <= r && r <= 'f') {
			return false
		}
	}
	return true
}
