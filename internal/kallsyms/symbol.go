package kallsyms

import "fmt"

// Symbol is where a kernel address lies: the text symbol at or below it and
// the distance from that symbol. Name is empty when the address is unresolved.
type Symbol struct {
	Addr   uint64
	Name   string
	Module string // empty for the core kernel
	Offset uint64
}

// String spells the symbol the way kernel stack traces do, so it can be
// pasted into tools that read them; an unresolved address stays hex.
func (s Symbol) String() string {
	if s.Name == "" {
		return fmt.Sprintf("0x%x", s.Addr)
	}
	if s.Module == "" {
		return fmt.Sprintf("%s+0x%x", s.Name, s.Offset)
	}
	return fmt.Sprintf("%s+0x%x [%s]", s.Name, s.Offset, s.Module)
}
