// Package hostproc locates the proc file system the plugin reads. In a
// container the host's is often mounted elsewhere (e.g. /host/proc); as
// Telegraf's own inputs do (through gopsutil), HOST_PROC then names it.
package hostproc

import (
	"os"
	"path/filepath"
)

// Env names the proc file system's mount point; unset or empty means /proc.
const Env = "HOST_PROC"

// Path joins elem under the proc file system: Path("kallsyms").
func Path(elem ...string) string {
	root := os.Getenv(Env)
	if root == "" {
		root = "/proc"
	}
	return filepath.Join(append([]string{root}, elem...)...)
}
