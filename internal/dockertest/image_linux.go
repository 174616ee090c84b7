package dockertest

import (
	"archive/tar"
	"bytes"
	"debug/elf"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// busybox is Debian's static build (busybox-static): its applets, run as
// "busybox sleep ...", serve as the image's shell and tools.
const busybox = "/bin/busybox"

// Image imports an image made of busybox at /bin/busybox and the given
// binaries at /bin/<name>, with the ELF interpreter and libraries of those
// that are dynamically linked (a test binary built with cgo) at their
// host paths, and returns its reference. It is removed at cleanup.
func (d *Daemon) Image(t testing.TB, binaries ...string) string {
	t.Helper()
	if isDynamic(t, busybox) {
		t.Fatalf("dockertest: %s is not static: install busybox-static", busybox)
	}
	files := map[string]string{"/bin/busybox": busybox}
	for _, b := range binaries {
		files["/bin/"+filepath.Base(b)] = b
		if isDynamic(t, b) {
			for _, lib := range libraries(t, b) {
				files[lib] = lib
			}
		}
	}
	var buf bytes.Buffer
	if err := writeRootfs(&buf, files); err != nil {
		t.Fatalf("dockertest: image: %v", err)
	}
	ref := fmt.Sprintf("tcpdrop-test:%d", time.Now().UnixNano())
	if _, err := d.docker(&buf, "import", "-", ref); err != nil {
		t.Fatalf("dockertest: %v", err)
	}
	t.Cleanup(func() {
		if _, err := d.docker(nil, "rmi", "--force", ref); err != nil {
			t.Errorf("dockertest: %v", err)
		}
	})
	return ref
}

// isDynamic says whether the ELF file at path names an interpreter.
func isDynamic(t testing.TB, path string) bool {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatalf("dockertest: %v", err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return true
		}
	}
	return false
}

// libraries are the absolute paths ldd prints for a dynamic binary: its
// libraries and its interpreter.
func libraries(t testing.TB, path string) []string {
	t.Helper()
	out, err := exec.Command("ldd", path).Output()
	if err != nil {
		t.Fatalf("dockertest: ldd %s: %v", path, err)
	}
	var libs []string
	for _, field := range strings.Fields(string(out)) {
		if strings.HasPrefix(field, "/") {
			libs = append(libs, field)
		}
	}
	return libs
}

// writeRootfs writes a root file system's tar: the files at their image
// paths, with their directories, and an empty /tmp.
func writeRootfs(w io.Writer, files map[string]string) error {
	tw := tar.NewWriter(w)
	dirs := map[string]bool{"/tmp": true}
	for dst := range files {
		for d := filepath.Dir(dst); d != "/"; d = filepath.Dir(d) {
			dirs[d] = true
		}
	}
	for d := range dirs {
		mode := int64(0o755)
		if d == "/tmp" {
			mode = 0o1777
		}
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: d[1:] + "/", Mode: mode}); err != nil {
			return err
		}
	}
	for dst, src := range files {
		b, err := os.ReadFile(src)
		if err != nil {
			return err
		}
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: dst[1:], Mode: 0o755, Size: int64(len(b))}); err != nil {
			return err
		}
		if _, err := tw.Write(b); err != nil {
			return err
		}
	}
	return tw.Close()
}
