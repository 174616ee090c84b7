//go:build linux

package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
)

// objects are the BPF programs, maps and links a process holds, read from
// the fdinfo of its fds: a program or link fd has a prog_id line, a map fd
// map_id and memlock lines, a link fd link_id. Objects other processes
// load, the tests of other packages for instance, are not among them.
type objects struct {
	progs   []ebpf.ProgramID
	maps    []ebpf.MapID
	links   []link.ID
	memlock int64 // bytes the maps charge, each map once
}

func heldObjects(pid int) (objects, error) {
	var o objects
	dir := fmt.Sprintf("/proc/%d/fdinfo", pid)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return o, fmt.Errorf("list fds: %w", err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if errors.Is(err, os.ErrNotExist) {
			continue // closed meanwhile
		}
		if err != nil {
			return o, fmt.Errorf("read fdinfo: %w", err)
		}
		f, err := fdinfoNumbers(b)
		if err != nil {
			return o, fmt.Errorf("fdinfo %s of %d: %w", e.Name(), pid, err)
		}
		if id, ok := f["prog_id"]; ok && !slices.Contains(o.progs, ebpf.ProgramID(id)) {
			o.progs = append(o.progs, ebpf.ProgramID(id))
		}
		if id, ok := f["map_id"]; ok && !slices.Contains(o.maps, ebpf.MapID(id)) {
			o.maps = append(o.maps, ebpf.MapID(id))
			o.memlock += int64(f["memlock"])
		}
		if id, ok := f["link_id"]; ok && !slices.Contains(o.links, link.ID(id)) {
			o.links = append(o.links, link.ID(id))
		}
	}
	return o, nil
}

// fdinfoNumbers reads the lines of one fdinfo file that name BPF objects
// and their memory.
func fdinfoNumbers(fdinfo []byte) (map[string]uint64, error) {
	f := map[string]uint64{}
	sc := bufio.NewScanner(bytes.NewReader(fdinfo))
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), ":")
		switch {
		case !ok:
			continue
		case name == "prog_id", name == "map_id", name == "link_id", name == "memlock":
			n, err := strconv.ParseUint(strings.TrimSpace(value), 10, 64)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			f[name] = n
		}
	}
	return f, sc.Err()
}

// remaining returns the objects of o that still exist, by ID: none once
// the kernel has freed everything the process held.
func (o objects) remaining() (left objects, err error) {
	if left.progs, err = existing(o.progs, ebpf.NewProgramFromID, "program"); err != nil {
		return left, err
	}
	if left.maps, err = existing(o.maps, ebpf.NewMapFromID, "map"); err != nil {
		return left, err
	}
	left.links, err = existing(o.links, link.NewFromID, "link")
	return left, err
}

// existing returns the ids that open still finds.
func existing[ID ~uint32, O io.Closer](ids []ID, open func(ID) (O, error), what string) ([]ID, error) {
	var left []ID
	for _, id := range ids {
		obj, err := open(id)
		switch {
		case errors.Is(err, os.ErrNotExist):
		case err != nil:
			return left, fmt.Errorf("%s %d: %w", what, id, err)
		default:
			obj.Close()
			left = append(left, id)
		}
	}
	return left, nil
}

func (o objects) count() int { return len(o.progs) + len(o.maps) + len(o.links) }

func (o objects) String() string {
	return fmt.Sprintf("programs %v, maps %v, links %v", o.progs, o.maps, o.links)
}
