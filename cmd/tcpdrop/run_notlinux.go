//go:build !linux

package main

import (
	"errors"
	"io"
	"os"
)

func run(options, io.Writer, io.Writer, <-chan os.Signal) error {
	return errors.New("tcpdrop needs Linux: it traces drops with eBPF at skb:kfree_skb")
}
