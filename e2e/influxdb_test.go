//go:build linux

package e2e

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// database is the one Telegraf writes to and the dashboard reads.
const database = "tcpdrop"

// influxDB is an influxd process of one test, on loopback.
type influxDB struct {
	url    string
	client *http.Client
}

// startInfluxDB runs influxd with its data in a temporary folder, bound to
// 127.0.0.1 only, until the test ends.
func startInfluxDB(t *testing.T, influxd string) *influxDB {
	t.Helper()
	dir := t.TempDir()
	ports := freePorts(t, 2)
	httpAddr := fmt.Sprintf("127.0.0.1:%d", ports[0])
	// Every listener is set to loopback: the defaults listen on all
	// addresses. No usage reports, no _internal database.
	conf := fmt.Sprintf(`reporting-enabled = false
bind-address = "127.0.0.1:%d"
[meta]
  dir = "%[2]s/meta"
[data]
  dir = "%[2]s/data"
  wal-dir = "%[2]s/wal"
  query-log-enabled = false
[monitor]
  store-enabled = false
[http]
  bind-address = %[3]q
  log-enabled = false
`, ports[1], dir, httpAddr)
	confPath := filepath.Join(dir, "influxdb.conf")
	require.NoError(t, os.WriteFile(confPath, []byte(conf), 0o600))
	db := &influxDB{url: "http://" + httpAddr, client: &http.Client{Timeout: 10 * time.Second}}
	runServer(t, dir, db.ping, influxd, "-config", confPath)
	return db
}

// runServer runs a server of one test (influxd, prometheus) as a plain
// process logging to a file in dir, waits until ready reports true, and
// stops it when the test ends, whatever its outcome.
func runServer(t *testing.T, dir string, ready func() bool, name string, args ...string) {
	t.Helper()
	base := filepath.Base(name)
	log, err := os.Create(filepath.Join(dir, base+".log"))
	require.NoError(t, err)
	defer log.Close()

	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	require.NoError(t, cmd.Start())
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		stop(cmd, exited, 10*time.Second)
		if t.Failed() {
			b, _ := os.ReadFile(log.Name())
			t.Logf("%s log:\n%s", base, tail(string(b), 30))
		}
	})

	for deadline := time.Now().Add(30 * time.Second); !ready(); time.Sleep(100 * time.Millisecond) {
		select {
		case <-exited:
			t.Fatalf("%s exited at start", base)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s was not ready within 30 s", base)
		}
	}
}

// ping reports whether influxd answers.
func (db *influxDB) ping() bool {
	resp, err := db.client.Get(db.url + "/ping")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusNoContent
}

// freePorts returns n loopback ports nobody listens on right now.
func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var ports []int
	for range n {
		l, err := net.Listen("tcp4", "127.0.0.1:0")
		require.NoError(t, err)
		defer l.Close() // held until all are chosen, so they differ
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports
}

// series is one series of an InfluxQL result.
type series struct {
	Name    string            `json:"name"`
	Tags    map[string]string `json:"tags"`
	Columns []string          `json:"columns"`
	Values  [][]any           `json:"values"`
}

// query runs one InfluxQL statement against the database.
func (db *influxDB) query(q string) ([]series, error) {
	v := url.Values{"db": {database}, "q": {q}}
	resp, err := db.client.Get(db.url + "/query?" + v.Encode())
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var body struct {
		Error   string `json:"error"`
		Results []struct {
			Error  string   `json:"error"`
			Series []series `json:"series"`
		} `json:"results"`
	}
	dec := json.NewDecoder(resp.Body)
	dec.UseNumber()
	if err := dec.Decode(&body); err != nil {
		return nil, fmt.Errorf("query %q: status %s: %w", q, resp.Status, err)
	}
	switch {
	case body.Error != "":
		return nil, fmt.Errorf("query %q: %s", q, body.Error)
	case len(body.Results) != 1:
		return nil, fmt.Errorf("query %q: %d results, want 1", q, len(body.Results))
	case body.Results[0].Error != "":
		return nil, fmt.Errorf("query %q: %s", q, body.Results[0].Error)
	}
	return body.Results[0].Series, nil
}

// errNoData is the answer of an aggregate over no points.
var errNoData = errors.New("no data")

// scalar runs a query that aggregates to a single integer, such as
// SELECT sum(...) without GROUP BY.
func (db *influxDB) scalar(q string) (int64, error) {
	s, err := db.query(q)
	if err != nil {
		return 0, err
	}
	if len(s) == 0 {
		return 0, errNoData
	}
	if len(s) != 1 || len(s[0].Values) != 1 || len(s[0].Values[0]) != 2 {
		return 0, fmt.Errorf("query %q: want one value, have %v", q, s)
	}
	n, ok := s[0].Values[0][1].(json.Number)
	if !ok {
		return 0, fmt.Errorf("query %q: value %v is not a number", q, s[0].Values[0][1])
	}
	return n.Int64()
}

// tail is the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
