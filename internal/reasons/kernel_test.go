package reasons

import (
	"errors"
	"os"
	"testing"

	"github.com/cilium/ebpf/btf"
	"github.com/stretchr/testify/require"
)

func TestNewKernel(t *testing.T) {
	f, err := os.Open("/sys/kernel/btf/vmlinux")
	if err != nil {
		t.Skipf("no kernel btf: %v", err)
	}
	f.Close()

	d, err := NewKernel(btf.NewCache())
	if errors.Is(err, ErrNoReasons) {
		t.Skip("kernel older than 5.17")
	}
	require.NoError(t, err)
	for _, name := range []string{"NO_SOCKET", "TCP_CSUM"} {
		v, ok := d.Value(name)
		require.True(t, ok, name)
		require.Equal(t, name, d.Name(v))
		require.Contains(t, d.Names(), name)
	}
}
