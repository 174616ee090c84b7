//go:build linux

package main

import (
	"fmt"
	"io"
	"os"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/link"
)

// emptyProgram is the floor of any probe at skb:kfree_skb: a tp_btf program
// that returns at once, so what it costs is the tracepoint's dispatch to
// BPF alone.
type emptyProgram struct {
	prog *ebpf.Program
	link link.Link
}

func attachEmpty() (*emptyProgram, error) {
	prog, err := ebpf.NewProgram(&ebpf.ProgramSpec{
		Name:         "empty",
		Type:         ebpf.Tracing,
		AttachType:   ebpf.AttachTraceRawTp,
		AttachTo:     "kfree_skb",
		License:      "GPL",
		Instructions: asm.Instructions{asm.Mov.Imm(asm.R0, 0), asm.Return()},
	})
	if err != nil {
		return nil, fmt.Errorf("load empty program: %w", err)
	}
	l, err := link.AttachTracing(link.TracingOptions{Program: prog, AttachType: ebpf.AttachTraceRawTp})
	if err != nil {
		prog.Close()
		return nil, fmt.Errorf("attach empty program: %w", err)
	}
	return &emptyProgram{prog: prog, link: l}, nil
}

// runEmpty holds the empty program attached until stdin closes, as the
// tracer of the bench's empty configurations.
func runEmpty() error {
	e, err := attachEmpty()
	if err != nil {
		return err
	}
	defer e.Close()
	_, err = io.Copy(io.Discard, os.Stdin)
	return err
}

func (e *emptyProgram) Close() error {
	err := e.link.Close()
	e.prog.Close()
	return err
}
