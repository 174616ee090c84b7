//go:build linux

package e2e

import (
	"fmt"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"
)

// A mistake in the plugin's config file makes it exit with a message that
// names the mistake, which Telegraf logs at Error.
func TestConfigMistakeIsLoggedAtError(t *testing.T) {
	tl := requireTools(t)
	for _, tc := range []struct {
		name, conf, want string
	}{
		{"misspelt key", `grup_by = ["reason"]`, `unknown configuration key inputs.tcpdrop.grup_by`},
		{"unknown reason", `include_reasons = ["NO_SOCKETT"]`, `include_reasons: this kernel has no drop reason "NO_SOCKETT"`},
		{"unknown dimension", `group_by = ["reason", "netnss"]`, `unknown group_by dimension "netnss"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// No InfluxDB needed: the plugin never gets to write.
			output := fmt.Sprintf("[[outputs.file]]\n  files = [%q]\n", filepath.Join(t.TempDir(), "metrics.out"))
			conf := agentConf + "\n" + execdBlock(t, tl.plugin, pluginConfig(t, "[[inputs.tcpdrop]]\n  "+tc.conf+"\n")) + "\n" + output
			tg := startTelegraf(t, tl.telegraf, tl.plugin, conf)
			tg.waitLog(t, regexp.MustCompile(`^\S+ E! \[inputs\.execd\] .*`+regexp.QuoteMeta(tc.want)), 1)
			tg.waitLog(t, regexp.MustCompile(`^\S+ E! \[inputs\.execd\] Process \S+ exited: exit status 1$`), 1)
			require.Empty(t, tg.grep(counting))
		})
	}
}
