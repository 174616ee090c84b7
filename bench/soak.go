//go:build linux

package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/tcpdrop/tcpdrop/internal/netnstest"
)

const (
	// slowReaderRate is how fast the soak reads the plugin's stdout, in
	// bytes per second: slower than the plugin writes a window a second,
	// so the pipe, made as small as Linux allows, fills within seconds and
	// the plugin's writes block, as behind a stalled Telegraf.
	slowReaderRate = 256
	slowPipeSize   = 4096
	// pprofAddr is where the plugin serves its goroutine count, inside
	// the soak's namespace.
	pprofAddr = "127.0.0.1:6060"
	// goneTimeout bounds the wait until the kernel has freed what an
	// exited plugin held: programs and maps go after an RCU grace period.
	goneTimeout = 10 * time.Second
)

// soakMeasures are the figures that must stay flat, in report order.
var soakMeasures = []string{"heap", "rss", "fds", "threads", "goroutines", "memlock"}

// Flatness: the last sample may exceed the second (the first is the
// warm-up) by this much, relative and absolute. The heap's slack is for
// the sampled drops queued for the window in progress, which a blocked
// writer holds longer (in a 10-minute run they swung the heap between 0.8
// and 2.2 MB); a leak would keep growing past it.
var soakTolerance = map[string]struct{ rel, abs float64 }{
	"heap":       {0.25, 4 << 20},
	"rss":        {0.25, 4 << 20},
	"fds":        {0, 2},
	"threads":    {0, 4},
	"goroutines": {0, 5},
	"memlock":    {0.10, 64 << 10},
}

type soakOptions struct {
	storm, every time.Duration
	restarts     int
	bin, out     string
}

// soakSample is the plugin's use of resources at one point of the storm.
type soakSample struct {
	at         time.Duration // since the storm began
	sent       int           // drops caused so far
	read       int64         // stdout bytes the slow reader took so far
	heap       int64         // Go heap in use after a collection
	rss        int64
	fds        int
	threads    int
	goroutines int
	memlock    int64 // what its BPF maps charge
}

func (s soakSample) values() map[string]float64 {
	return map[string]float64{"heap": float64(s.heap), "rss": float64(s.rss), "fds": float64(s.fds), "threads": float64(s.threads),
		"goroutines": float64(s.goroutines), "memlock": float64(s.memlock)}
}

// restart is one start and stop of the plugin.
type restart struct {
	signal syscall.Signal
	held   objects
	gone   time.Duration // from exit until no object of held existed
}

type soakReport struct {
	machine  machine
	when     time.Time
	opts     soakOptions
	samples  []soakSample
	restarts []restart
	problems []string
}

func runSoak(ctx context.Context, o soakOptions) error {
	if o.every <= 0 || o.every > time.Minute || o.storm < 2*o.every || o.restarts < 0 {
		return errors.New("soak needs 0 < every <= 1m, a storm of at least two samples, restarts >= 0")
	}
	m, err := describeMachine()
	if err != nil {
		return err
	}
	if err := pinProcess(tracerCPU); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "tcpdrop-soak-")
	if err != nil {
		return fmt.Errorf("temp dir: %w", err)
	}
	defer os.RemoveAll(tmp)
	conf := filepath.Join(tmp, "tcpdrop.conf")
	if err := os.WriteFile(conf, []byte(pluginDefaults), 0o600); err != nil {
		return fmt.Errorf("plugin config: %w", err)
	}
	ns, err := netnstest.Open()
	if err != nil {
		return err
	}
	defer ns.Close()
	if err := pinStorm(ns, stormCPU); err != nil {
		return err
	}

	r := soakReport{machine: m, when: time.Now(), opts: o}
	if r.samples, err = soakStorm(ctx, o, ns, conf); err != nil {
		return err
	}
	if r.restarts, err = soakRestarts(ctx, o, ns, conf); err != nil {
		return err
	}
	r.problems = r.check()
	if err := writeReport(o.out, r.render); err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, "soak: wrote", o.out)
	if len(r.problems) > 0 {
		return fmt.Errorf("soak: %s", strings.Join(r.problems, "; "))
	}
	return nil
}

// soakStorm runs the plugin in ns, with a slow reader on its stdout, while
// a storm of drops goes on, and samples it every o.every.
func soakStorm(ctx context.Context, o soakOptions, ns *netnstest.NS, conf string) ([]soakSample, error) {
	out, err := newSlowReader()
	if err != nil {
		return nil, err
	}
	sp := spec{
		argv: []string{"nsenter", "--net=" + ns.Path(), "--",
			filepath.Join(o.bin, "telegraf-tcpdrop"), "-poll_interval", "1s", "-config", conf, "-pprof_addr", pprofAddr},
		stdout: out.w,
	}
	t, err := startTracer(sp)
	out.w.Close() // the plugin has its own copy; the reader sees EOF when it exits
	if err != nil {
		out.r.Close()
		return nil, err
	}
	defer t.kill()
	go out.read()
	if err := waitAttached(ctx, ns, t); err != nil {
		return nil, err
	}
	var samples []soakSample
	sent := 0
	start := time.Now()
	for range int(o.storm / o.every) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n, err := ns.Flood(o.every, stormSegment)
		if err != nil {
			return nil, err
		}
		sent += n
		if err := t.alive(); err != nil {
			return nil, err
		}
		s, err := sampleProcess(ns, t.pid())
		if err != nil {
			return nil, err
		}
		s.at, s.sent, s.read = time.Since(start), sent, out.total.Load()
		samples = append(samples, s)
		fmt.Fprintf(os.Stderr, "soak: %v: %d drops, heap %.2f MB, rss %.1f MB, %d fds, %d threads, %d goroutines, maps %d kB, stdout read %d B\n",
			s.at.Round(time.Second), s.sent, float64(s.heap)/(1<<20), float64(s.rss)/(1<<20), s.fds, s.threads, s.goroutines, s.memlock>>10, s.read)
	}
	return samples, nil
}

// sampleProcess reads pid's resources; the goroutines come from its pprof
// endpoint in ns.
func sampleProcess(ns *netnstest.NS, pid int) (soakSample, error) {
	var s soakSample
	var err error
	if s.heap, err = heapAfterGC(ns); err != nil {
		return s, err
	}
	if s.rss, err = statusBytes(pid, "VmRSS"); err != nil {
		return s, err
	}
	if s.fds, err = countEntries(fmt.Sprintf("/proc/%d/fd", pid)); err != nil {
		return s, err
	}
	if s.threads, err = countEntries(fmt.Sprintf("/proc/%d/task", pid)); err != nil {
		return s, err
	}
	held, err := heldObjects(pid)
	if err != nil {
		return s, err
	}
	s.memlock = held.memlock
	s.goroutines, err = goroutines(ns)
	return s, err
}

func countEntries(dir string) (int, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, fmt.Errorf("list %s: %w", dir, err)
	}
	return len(entries), nil
}

// goroutines reads the plugin's goroutine count from its pprof endpoint.
func goroutines(ns *netnstest.NS) (int, error) {
	body, err := pprofGet(ns, "/debug/pprof/goroutine?debug=1")
	if err != nil {
		return 0, err
	}
	var n int
	if _, err := fmt.Sscanf(string(body), "goroutine profile: total %d", &n); err != nil {
		return 0, fmt.Errorf("pprof goroutines: %w", err)
	}
	return n, nil
}

// heapAfterGC has the plugin collect garbage, then reads the bytes its Go
// heap still holds: unlike RSS it does not swing with the collector's
// cycles, so a leak shows at once.
func heapAfterGC(ns *netnstest.NS) (int64, error) {
	body, err := pprofGet(ns, "/debug/pprof/heap?gc=1&debug=1")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, "# HeapAlloc = "); ok {
			return strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		}
	}
	return 0, errors.New("pprof heap: no HeapAlloc")
}

// pprofGet fetches path from the plugin's pprof endpoint. The connection
// is made on the namespace thread, so that it is the namespace's; reading
// it then works from any thread.
func pprofGet(ns *netnstest.NS, path string) ([]byte, error) {
	var conn net.Conn
	err := ns.Do(func() error {
		var err error
		conn, err = net.DialTimeout("tcp", pprofAddr, 5*time.Second)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("pprof: %w", err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		return nil, err
	}
	if _, err := fmt.Fprintf(conn, "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n", path, pprofAddr); err != nil {
		return nil, fmt.Errorf("pprof: %w", err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return nil, fmt.Errorf("pprof: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("pprof %s: %s", path, resp.Status)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("pprof: %w", err)
	}
	return body, nil
}

// soakRestarts starts and stops the plugin o.restarts times, by SIGTERM
// and SIGKILL in turn, and checks that every BPF object it held is gone
// after each exit.
func soakRestarts(ctx context.Context, o soakOptions, ns *netnstest.NS, conf string) ([]restart, error) {
	var restarts []restart
	for i := range o.restarts {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		r := restart{signal: syscall.SIGTERM}
		if i%2 == 1 {
			r.signal = syscall.SIGKILL
		}
		t, err := startTracer(spec{argv: []string{filepath.Join(o.bin, "telegraf-tcpdrop"), "-poll_interval", "1s", "-config", conf}})
		if err != nil {
			return nil, err
		}
		if err := waitAttached(ctx, ns, t); err != nil {
			t.kill()
			return nil, err
		}
		if r.held, err = heldObjects(t.pid()); err != nil {
			t.kill()
			return nil, err
		}
		if r.signal == syscall.SIGTERM {
			if err := t.terminate(); err != nil {
				return nil, fmt.Errorf("restart %d: %w", i+1, err)
			}
		} else {
			t.kill()
		}
		exited := time.Now()
		for {
			left, err := r.held.remaining()
			if err != nil {
				return nil, err
			}
			if left.count() == 0 {
				break
			}
			if time.Since(exited) > goneTimeout {
				return nil, fmt.Errorf("restart %d (%v): %v after %v still exist", i+1, r.signal, left, goneTimeout)
			}
			time.Sleep(10 * time.Millisecond)
		}
		r.gone = time.Since(exited)
		restarts = append(restarts, r)
		fmt.Fprintf(os.Stderr, "soak: restart %d/%d by %v: %d objects, all gone %v after exit\n",
			i+1, o.restarts, r.signal, r.held.count(), r.gone.Round(time.Millisecond))
	}
	return restarts, nil
}

// check returns what did not stay flat: the last sample against the
// second, the first being the warm-up.
func (r soakReport) check() []string {
	var problems []string
	second, last := r.samples[1].values(), r.samples[len(r.samples)-1].values()
	for _, name := range soakMeasures {
		tol := soakTolerance[name]
		if limit := second[name]*(1+tol.rel) + tol.abs; last[name] > limit {
			problems = append(problems, fmt.Sprintf("%s grew from %.0f to %.0f (limit %.0f)", name, second[name], last[name], limit))
		}
	}
	return problems
}

// slowReader drains a small pipe at slowReaderRate: the plugin's stdout
// behind a reader that lags.
type slowReader struct {
	r, w  *os.File
	total atomic.Int64
}

func newSlowReader() (*slowReader, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("pipe: %w", err)
	}
	if _, err := unix.FcntlInt(w.Fd(), unix.F_SETPIPE_SZ, slowPipeSize); err != nil {
		r.Close()
		w.Close()
		return nil, fmt.Errorf("pipe size: %w", err)
	}
	return &slowReader{r: r, w: w}, nil
}

// read drains the pipe until the writer is gone, then closes it.
func (s *slowReader) read() {
	defer s.r.Close()
	buf := make([]byte, slowReaderRate/4)
	for {
		n, err := s.r.Read(buf)
		s.total.Add(int64(n))
		if err != nil {
			return
		}
		time.Sleep(time.Duration(n) * time.Second / slowReaderRate)
	}
}

func (r soakReport) render(w io.Writer) {
	fmt.Fprintf(w, "# Soak\n\nWritten by `make soak` (`go run ./bench -soak`); do not edit the tables by hand.\n\n")
	fmt.Fprintf(w, "Measured %s on %s, %d CPUs, %s, kernel %s, %s.\n\n",
		r.when.UTC().Format("2006-01-02 15:04 MST"), r.machine.cpu, r.machine.cpus, r.machine.os, r.machine.kernel, r.machine.goVersion)
	fmt.Fprintf(w, "## Drop storm with a slow reader\n\n")
	fmt.Fprintf(w, "`bin/telegraf-tcpdrop -poll_interval 1s -pprof_addr %s`, the defaults plus `netns` in `group_by`, ran for %v "+
		"in the storm's network namespace while the bench's storm (bad-checksum SYNs on loopback, one CPU) went on. "+
		"Its stdout was read at %d bytes/s, slower than it writes, so its writes blocked as behind a stalled Telegraf. "+
		"Every %v: its Go heap after a forced collection and its goroutines (both from its pprof endpoint), "+
		"resident memory (VmRSS), open fds, threads and the memory its BPF maps charge (memlock in the fdinfo of its map fds).\n\n", pprofAddr, r.opts.storm, slowReaderRate, r.opts.every)
	fmt.Fprintf(w, "| time | drops caused | stdout read | Go heap after GC | RSS | fds | threads | goroutines | map memory |\n|---|---|---|---|---|---|---|---|---|\n")
	for _, s := range r.samples {
		fmt.Fprintf(w, "| %v | %d | %d B | %.2f MB | %.1f MB | %d | %d | %d | %d kB |\n",
			s.at.Round(time.Second), s.sent, s.read, float64(s.heap)/(1<<20), float64(s.rss)/(1<<20), s.fds, s.threads, s.goroutines, s.memlock>>10)
	}
	fmt.Fprintf(w, "\nFlat means the last sample is within a tolerance of the second (the first is the warm-up): ")
	for i, name := range soakMeasures {
		if i > 0 {
			fmt.Fprint(w, ", ")
		}
		tol := soakTolerance[name]
		abs := fmt.Sprint(tol.abs)
		if name == "heap" || name == "rss" || name == "memlock" {
			abs = fmt.Sprintf("%.0f kB", tol.abs/1024)
		}
		fmt.Fprintf(w, "%s +%.0f%% +%s", name, 100*tol.rel, abs)
	}
	fmt.Fprint(w, ".\n\n")
	if len(r.problems) == 0 {
		fmt.Fprint(w, "**Result: flat.**\n\n")
	} else {
		fmt.Fprintf(w, "**Result: not flat:** %s.\n\n", strings.Join(r.problems, "; "))
	}

	fmt.Fprintf(w, "## Restarts\n\n")
	var term, kill int
	var most time.Duration
	for _, rs := range r.restarts {
		if rs.signal == syscall.SIGTERM {
			term++
		} else {
			kill++
		}
		most = max(most, rs.gone)
	}
	fmt.Fprintf(w, "The plugin was started %d times and stopped by SIGTERM (%d) and SIGKILL (%d) in turn, each time once its "+
		"programs ran. Before each stop the IDs of the BPF programs, maps and links it held were read from the fdinfo "+
		"of its fds; after it exited, each ID was opened again (`ebpf.NewProgramFromID`, `ebpf.NewMapFromID`, "+
		"`link.NewFromID`) until every one failed with ENOENT, within %v or the run fails.\n\n", len(r.restarts), term, kill, goneTimeout)
	if len(r.restarts) > 0 {
		h := r.restarts[0].held
		fmt.Fprintf(w, "Each run held %d programs, %d maps and %d links. After every exit none of them remained; "+
			"the longest wait until all were gone was %v.\n", len(h.progs), len(h.maps), len(h.links), most.Round(time.Millisecond))
	}
}
