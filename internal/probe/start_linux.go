package probe

import (
	"errors"
	"fmt"

	"github.com/tcpdrop/tcpdrop/internal/drop"
	"github.com/tcpdrop/tcpdrop/internal/kallsyms"
	"github.com/tcpdrop/tcpdrop/internal/reasons"
)

// Start is how the plugin and the command begin: read the running
// kernel's drop reasons with kernelReasons (reasons.NewKernel but in
// tests), turn the reason names into opts' filters, open the probe, and
// check that kallsyms names drop sites. names.Reasons is nil on a kernel
// without drop reasons, where every drop counts as UNKNOWN.
func Start(opts Options, include, exclude reasons.List,
	kernelReasons func() (*reasons.Decoder, error)) (_ *Probe, names *drop.Namer, err error) {
	names = &drop.Namer{Symbols: kallsyms.NewProc()}
	names.Reasons, err = kernelReasons()
	if err != nil && !errors.Is(err, reasons.ErrNoReasons) {
		return nil, nil, err
	}
	if opts.Include, opts.Exclude, err = reasons.Filter(names.Reasons, include, exclude); err != nil {
		return nil, nil, err
	}
	opts.NoReason = names.Reasons == nil
	p, err := Open(opts)
	if err != nil {
		return nil, nil, fmt.Errorf("attach to skb:kfree_skb: %w", err)
	}
	// After Open, which names missing capabilities first.
	if err := names.Symbols.Check(); err != nil {
		p.Close()
		return nil, nil, err
	}
	return p, names, nil
}
