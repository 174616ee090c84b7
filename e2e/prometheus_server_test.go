//go:build linux

package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// prometheusServer is a prometheus process of one test, on loopback.
type prometheusServer struct {
	url    string
	client *http.Client
}

// requirePrometheus finds Debian's prometheus (make deps), as
// requireTools finds the other programs.
func requirePrometheus(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("prometheus")
	if err != nil {
		requireNothingMissing(t, []string{"prometheus (apt-get install prometheus, see make deps)"})
	}
	return path
}

// startPrometheus runs prometheus with its data in a temporary folder,
// bound to 127.0.0.1 only, scraping Telegraf's prometheus_client at
// 127.0.0.1:target every second, until the test ends.
func startPrometheus(t *testing.T, prometheus string, target int) *prometheusServer {
	t.Helper()
	dir := t.TempDir()
	addr := fmt.Sprintf("127.0.0.1:%d", freePorts(t, 1)[0])
	conf := fmt.Sprintf(`global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: telegraf
    static_configs:
      - targets: ["127.0.0.1:%d"]
`, target)
	confPath := filepath.Join(dir, "prometheus.yml")
	require.NoError(t, os.WriteFile(confPath, []byte(conf), 0o600))
	p := &prometheusServer{url: "http://" + addr, client: &http.Client{Timeout: 10 * time.Second}}
	runServer(t, dir, p.ready, prometheus, "--config.file="+confPath, "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr, "--log.level=warn")
	return p
}

// ready reports whether prometheus serves queries.
func (p *prometheusServer) ready() bool {
	resp, err := p.client.Get(p.url + "/-/ready")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// promSample is one series of an instant query's result.
type promSample struct {
	Metric map[string]string `json:"metric"`
	Value  [2]any            `json:"value"` // time, value as a string
}

// query evaluates a PromQL expression now and returns its series with
// their values.
func (p *prometheusServer) query(expr string) ([]promSample, []float64, error) {
	resp, err := p.client.Get(p.url + "/api/v1/query?" + url.Values{"query": {expr}}.Encode())
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	var body struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			ResultType string       `json:"resultType"`
			Result     []promSample `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return nil, nil, fmt.Errorf("query %q: status %s: %w", expr, resp.Status, err)
	}
	if body.Status != "success" {
		return nil, nil, fmt.Errorf("query %q: %s", expr, body.Error)
	}
	if body.Data.ResultType != "vector" {
		return nil, nil, fmt.Errorf("query %q: result type %s, want vector", expr, body.Data.ResultType)
	}
	values := make([]float64, len(body.Data.Result))
	for i, s := range body.Data.Result {
		v, ok := s.Value[1].(string)
		if !ok {
			return nil, nil, fmt.Errorf("query %q: value %v", expr, s.Value[1])
		}
		if _, err := fmt.Sscan(v, &values[i]); err != nil {
			return nil, nil, fmt.Errorf("query %q: value %q: %w", expr, v, err)
		}
	}
	return body.Data.Result, values, nil
}

// sum is the value of a query that aggregates to one series, 0 without.
func (p *prometheusServer) sum(expr string) (float64, error) {
	_, values, err := p.query(expr)
	switch {
	case err != nil:
		return 0, err
	case len(values) == 0:
		return 0, nil
	case len(values) > 1:
		return 0, fmt.Errorf("query %q: %d series, want 1", expr, len(values))
	}
	return values[0], nil
}
