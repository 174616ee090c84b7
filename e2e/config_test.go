//go:build linux

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
	"github.com/stretchr/testify/require"
)

// installedPath is where the README installs the plugin and sample.conf
// expects it.
const installedPath = "/usr/local/bin/telegraf-tcpdrop"

// execdBlock is the repository's sample.conf, the block users paste, with
// three changes to its command only: the plugin freshly built at binary
// instead of installedPath, windows of 1 s instead of 10 s so the test
// waits little, and pluginConf (if not empty) passed with -config as the
// README tells users to. It checks that nothing else differs.
func execdBlock(t *testing.T, binary, pluginConf string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "sample.conf"))
	require.NoError(t, err)
	sample := string(b)

	var shipped map[string]any
	_, err = toml.Decode(sample, &shipped)
	require.NoError(t, err)
	execd := execdTable(t, shipped)
	args, ok := execd["command"].([]any)
	require.True(t, ok, "command is an array")
	var command []string
	for _, arg := range args {
		s, ok := arg.(string)
		require.True(t, ok, "command holds strings")
		command = append(command, s)
	}
	require.NotEmpty(t, command)
	require.Equal(t, installedPath, command[0])
	i := slices.Index(command, "-poll_interval")
	require.Positive(t, i, "sample.conf sets -poll_interval")
	require.Less(t, i+1, len(command))
	command[0], command[i+1] = binary, "1s"
	if pluginConf != "" {
		command = append(command, "-config", pluginConf)
	}

	// Replace the one command line, keeping its indentation.
	lines := strings.Split(sample, "\n")
	replaced := 0
	for i, l := range lines {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(l), "command ="); ok && strings.HasPrefix(strings.TrimSpace(rest), "[") {
			indent := l[:len(l)-len(strings.TrimLeft(l, " \t"))]
			lines[i] = indent + "command = " + tomlStrings(command)
			replaced++
		}
	}
	require.Equal(t, 1, replaced, "sample.conf has one command line")
	block := strings.Join(lines, "\n")

	var got map[string]any
	_, err = toml.Decode(block, &got)
	require.NoError(t, err)
	want := make([]any, len(command))
	for i, arg := range command {
		want[i] = arg
	}
	execd["command"] = want
	require.Equal(t, shipped, got, "only the command differs from sample.conf")
	return block
}

// execdTable is the one [[inputs.execd]] table of a decoded config.
func execdTable(t *testing.T, conf map[string]any) map[string]any {
	t.Helper()
	inputs, ok := conf["inputs"].(map[string]any)
	require.True(t, ok, "sample.conf has [[inputs...]]")
	tables, ok := inputs["execd"].([]map[string]any)
	require.True(t, ok, "sample.conf has [[inputs.execd]]")
	require.Len(t, tables, 1)
	return tables[0]
}

// tomlStrings writes an array of strings; %q quotes are valid TOML basic
// strings for the paths and flags used here.
func tomlStrings(s []string) string {
	quoted := make([]string, len(s))
	for i, v := range s {
		quoted[i] = fmt.Sprintf("%q", v)
	}
	return "[" + strings.Join(quoted, ", ") + "]"
}

// agentConf makes Telegraf gather and flush every second, so the test's
// waits stay short.
const agentConf = `[agent]
  interval = "1s"
  flush_interval = "1s"
`

// influxOutput writes to the test's InfluxDB, as the README shows.
func influxOutput(db *influxDB) string {
	return fmt.Sprintf("[[outputs.influxdb]]\n  urls = [%q]\n  database = %q\n  namepass = [\"tcpdrop*\"]\n", db.url, database)
}

// pluginConfig writes a plugin config file readable by every user and
// returns its path.
func pluginConfig(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(sharedTempDir(t), "tcpdrop.conf")
	require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
	return path
}

// byNetns groups by the network namespace too, so that a test's series
// are its own whatever else drops packets on the host.
const byNetns = `[[inputs.tcpdrop]]
  group_by = ["reason", "state", "flags", "frame", "netns"]
`
