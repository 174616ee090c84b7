// Command telegraf-tcpdrop runs the tcpdrop input through Telegraf's execd
// shim: it prints InfluxDB line protocol on stdout, one window of TCP drop
// aggregates per poll interval, and level-prefixed log lines on stderr.
package main

import (
	"flag"
	"fmt"
	"net/http"
	_ "net/http/pprof" // for -pprof_addr
	"os"
	"time"

	"github.com/influxdata/telegraf"
	"github.com/influxdata/telegraf/plugins/common/shim"

	"github.com/tcpdrop/tcpdrop/internal/shimlog"
)

func main() {
	configFile := flag.String("config", "", "file with one [[inputs.tcpdrop]] table (default: the built-in defaults)")
	pollInterval := flag.Duration("poll_interval", 10*time.Second, "length of a window: how often to emit one")
	pollDisabled := flag.Bool("poll_interval_disabled", false, "emit a window only when a line arrives on stdin (execd signal = \"STDIN\")")
	debug := flag.Bool("debug", false, "also print debug lines when run by hand (execd's own log level filters them anyway)")
	pprofAddr := flag.String("pprof_addr", "", "serve Go's profiles (/debug/pprof/) at this address, as telegraf --pprof-addr does; the soak test reads goroutines there")
	flag.Parse()

	level := telegraf.Info
	if *debug {
		level = telegraf.Debug
	}
	log := shimlog.New(os.Stderr, level)
	if *pprofAddr != "" {
		go func() { log.Errorf("pprof: %v", http.ListenAndServe(*pprofAddr, nil)) }()
	}
	if err := run(log, *configFile, *pollInterval, *pollDisabled); err != nil {
		log.Error(err)
		os.Exit(1)
	}
}

func run(log telegraf.Logger, configFile string, interval time.Duration, disabled bool) error {
	plugin, err := loadConfig(configFile)
	if err != nil {
		return err
	}
	plugin.Log = log
	if err := plugin.Init(); err != nil {
		return fmt.Errorf("invalid configuration: %w", err)
	}
	if disabled {
		interval = shim.PollIntervalDisabled
	}
	// The shim's AddInput would replace our logger with one whose lines
	// start with a time stamp, which execd reads as errors: set Input.
	s := shim.New()
	s.Input = plugin
	return s.Run(interval)
}
