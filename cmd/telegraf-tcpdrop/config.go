package main

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/tcpdrop/tcpdrop/plugins/inputs/tcpdrop"
)

// loadConfig reads the plugin's [[inputs.tcpdrop]] file, or the embedded
// sample.conf when path is empty. Unlike the shim's loader it rejects keys
// it does not know: a typo must not silently fall back to a default.
func loadConfig(path string) (*tcpdrop.TCPDrop, error) {
	if path == "" {
		return parseConfig("built-in configuration", tcpdrop.New().SampleConfig())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return parseConfig(path, os.Expand(string(b), envForTOML))
}

// parseConfig decodes the text of a configuration file, called name in
// errors, over the plugin's defaults.
func parseConfig(name, text string) (*tcpdrop.TCPDrop, error) {
	plugin := tcpdrop.New()
	var conf struct {
		Inputs map[string][]toml.Primitive `toml:"inputs"`
	}
	md, err := toml.Decode(text, &conf)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	for input, tables := range conf.Inputs {
		if input != "tcpdrop" {
			return nil, fmt.Errorf("%s: unknown input %q: this program runs only [[inputs.tcpdrop]]", name, input)
		}
		if len(tables) != 1 {
			return nil, fmt.Errorf("%s: want one [[inputs.tcpdrop]], have %d", name, len(tables))
		}
		if err := md.PrimitiveDecode(tables[0], plugin); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	if _, ok := conf.Inputs["tcpdrop"]; !ok {
		return nil, fmt.Errorf("%s: no [[inputs.tcpdrop]] table", name)
	}
	if undecoded := md.Undecoded(); len(undecoded) > 0 {
		keys := make([]string, len(undecoded))
		for i, k := range undecoded {
			keys[i] = k.String()
		}
		slices.Sort(keys)
		return nil, errors.New(name + ": unknown configuration key " + strings.Join(keys, ", "))
	}
	return plugin, nil
}

// envForTOML expands $VAR and ${VAR} as Telegraf does, escaped so that a
// value can stand inside a TOML string.
func envForTOML(key string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(os.Getenv(key))
}
