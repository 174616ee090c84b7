package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func writeConfig(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "tcpdrop.conf")
	require.NoError(t, os.WriteFile(path, []byte(text), 0o600))
	return path
}

func TestLoadConfigBuiltIn(t *testing.T) {
	p, err := loadConfig("")
	require.NoError(t, err)
	require.Equal(t, []string{"reason", "state", "flags", "frame"}, p.GroupBy)
	require.Equal(t, uint32(4096), p.MaxKeys)
	require.Nil(t, p.ExcludeReasons)
}

func TestLoadConfigFile(t *testing.T) {
	t.Setenv("TCPDROP_PROBE", "raw_tp")
	p, err := loadConfig(writeConfig(t, `
[[inputs.tcpdrop]]
  group_by = ["reason", "netns"]
  exclude_reasons = []
  probe = "${TCPDROP_PROBE}"
  max_keys = 100
`))
	require.NoError(t, err)
	require.Equal(t, []string{"reason", "netns"}, p.GroupBy)
	require.NotNil(t, p.ExcludeReasons, "an empty list turns the default exclusions off")
	require.Empty(t, p.ExcludeReasons)
	require.Equal(t, "raw_tp", p.Probe)
	require.Equal(t, uint32(100), p.MaxKeys)
}

func TestLoadConfigRejects(t *testing.T) {
	for name, tc := range map[string]struct{ text, want string }{
		"typo'd key":     {"[[inputs.tcpdrop]]\n  grup_by = [\"reason\"]\n", "unknown configuration key inputs.tcpdrop.grup_by"},
		"other input":    {"[[inputs.cpu]]\n", `unknown input "cpu"`},
		"two tables":     {"[[inputs.tcpdrop]]\n[[inputs.tcpdrop]]\n", "want one [[inputs.tcpdrop]], have 2"},
		"no table":       {"# nothing\n", "no [[inputs.tcpdrop]] table"},
		"top-level key":  {"interval = \"10s\"\n[[inputs.tcpdrop]]\n", "unknown configuration key interval"},
		"wrong type":     {"[[inputs.tcpdrop]]\n  max_keys = \"many\"\n", "max_keys"},
		"broken TOML":    {"[[inputs.tcpdrop]\n", "tcpdrop.conf"},
		"missing quotes": {"[[inputs.tcpdrop]]\n  probe = auto\n", "tcpdrop.conf"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := loadConfig(writeConfig(t, tc.text))
			require.ErrorContains(t, err, tc.want)
		})
	}
	_, err := loadConfig(filepath.Join(t.TempDir(), "missing.conf"))
	require.ErrorContains(t, err, "read config")
}
