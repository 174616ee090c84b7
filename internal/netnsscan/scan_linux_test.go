package netnsscan_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/tcpdrop/tcpdrop/internal/netnsscan"
	"github.com/tcpdrop/tcpdrop/internal/netnstest"
)

// A name in the netns directory is a namespace only once one is mounted
// on it: ip netns add creates the file first.
func TestNamedOnlyMountedNamespaces(t *testing.T) {
	netnstest.RequirePrivileges(t)
	dir := t.TempDir()
	ns := netnstest.New(t)
	for _, name := range []string{"mounted", "plain"} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), nil, 0o444))
	}
	mounted := filepath.Join(dir, "mounted")
	require.NoError(t, unix.Mount(ns.Path(), mounted, "", unix.MS_BIND, ""))
	t.Cleanup(func() { require.NoError(t, unix.Unmount(mounted, unix.MNT_DETACH)) })

	var got []netnsscan.Place
	require.NoError(t, netnsscan.Named(dir, func(p netnsscan.Place) { got = append(got, p) }))
	require.Equal(t, []netnsscan.Place{{Inode: ns.Inode(), Path: mounted}}, got)
}
