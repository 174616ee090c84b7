//go:build linux

package e2e

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpdrop/tcpdrop/internal/netnstest"
)

// panel is what the test reads of a Grafana panel; rows nest panels.
// A target holds raw InfluxQL (query) or PromQL (expr).
type panel struct {
	Title   string `json:"title"`
	Targets []struct {
		RefID    string `json:"refId"`
		RawQuery bool   `json:"rawQuery"`
		Query    string `json:"query"`
		Expr     string `json:"expr"`
	} `json:"targets"`
	Panels []panel `json:"panels"`
}

// dashboardQueries returns every query of a Grafana dashboard in
// dashboards/, by the panel or variable it belongs to: InfluxQL
// statements, or PromQL expressions.
func dashboardQueries(t *testing.T, file string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "dashboards", file))
	require.NoError(t, err)
	var dash struct {
		Templating struct {
			List []struct {
				Name  string          `json:"name"`
				Query json.RawMessage `json:"query"`
			} `json:"list"`
		} `json:"templating"`
		Panels []panel `json:"panels"`
	}
	require.NoError(t, json.Unmarshal(b, &dash))
	queries := map[string]string{}
	var walk func([]panel)
	walk = func(panels []panel) {
		for _, p := range panels {
			for _, tg := range p.Targets {
				name := p.Title + "/" + tg.RefID
				if tg.Expr != "" {
					queries[name] = tg.Expr
					continue
				}
				// A query built in Grafana's editor would not be run here.
				require.True(t, tg.RawQuery, "panel %q target %s: raw InfluxQL", p.Title, tg.RefID)
				queries[name] = tg.Query
			}
			walk(p.Panels)
		}
	}
	walk(dash.Panels)
	for _, v := range dash.Templating.List {
		// InfluxDB's variables hold their query as a string, Prometheus'
		// as an object.
		var q struct {
			Query string `json:"query"`
		}
		if json.Unmarshal(v.Query, &q.Query) != nil {
			require.NoError(t, json.Unmarshal(v.Query, &q), "variable %s", v.Name)
		}
		queries["$"+v.Name] = q.Query
	}
	return queries
}

// chronografQueries returns every InfluxQL statement of the Chronograf
// dashboard, by the cell or template variable it belongs to. A variable's
// query names its database, measurement and tag key in placeholders that
// Chronograf fills from the variable's settings; so does this.
func chronografQueries(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "dashboards", "tcpdrop-chronograf.json"))
	require.NoError(t, err)
	var export struct {
		Dashboard struct {
			Cells []struct {
				Name    string `json:"name"`
				Queries []struct {
					Query string `json:"query"`
					Type  string `json:"type"`
				} `json:"queries"`
			} `json:"cells"`
			Templates []struct {
				TempVar string `json:"tempVar"`
				Query   struct {
					InfluxQL    string `json:"influxql"`
					DB          string `json:"db"`
					Measurement string `json:"measurement"`
					TagKey      string `json:"tagKey"`
				} `json:"query"`
			} `json:"templates"`
		} `json:"dashboard"`
	}
	require.NoError(t, json.Unmarshal(b, &export))
	queries := map[string]string{}
	for _, c := range export.Dashboard.Cells {
		for i, q := range c.Queries {
			require.Equal(t, "influxql", q.Type, "cell %q", c.Name)
			queries[fmt.Sprintf("chronograf/%s/%d", c.Name, i)] = q.Query
		}
	}
	for _, v := range export.Dashboard.Templates {
		q := v.Query
		queries["chronograf/"+v.TempVar] = strings.NewReplacer(":database:", strconv.Quote(q.DB),
			":measurement:", strconv.Quote(q.Measurement), ":tagKey:", strconv.Quote(q.TagKey)).Replace(q.InfluxQL)
	}
	return queries
}

// Every query of the dashboards returns data from an InfluxDB that Telegraf
// filled with the plugin's defaults, as a user would install it: the
// Grafana dashboard's and the Chronograf dashboard's. Grafana's macros are
// expanded as Grafana does: $timeFilter to a time range in ms, $__interval
// to a duration, $host to a regex-escaped host name; Chronograf's as it
// does: :dashboardTime: and :upperDashboardTime: to times, :interval: to a
// duration, :host: to the quoted host name.
func TestDashboardQueriesReturnData(t *testing.T) {
	netnstest.RequirePrivileges(t)
	queries := dashboardQueries(t, "tcpdrop.json")
	maps.Copy(queries, chronografQueries(t))
	require.NotEmpty(t, queries)
	from := time.Now().Add(-time.Minute)
	s := startStack(t, requireTools(t), "")
	s.tg.waitCounting(t, 1)

	ns := netnstest.New(t)
	connectClosed(t, ns, "tcp4", 200)
	connectClosed(t, ns, "tcp6", 200)
	// tcpdrop_listen: a listener whose accept queue overflows.
	port, err := ns.ListenBacklog("tcp4", 1)
	require.NoError(t, err)
	_, err = ns.Overflow("tcp4", port, 8)
	require.NoError(t, err)
	// tcpdrop_stack comes from sampled drops, the last to arrive.
	for _, q := range []string{`SELECT count("samples") FROM "tcpdrop_stack"`, `SELECT count("drops") FROM "tcpdrop_listen"`} {
		require.EventuallyWithT(t, func(c *assert.CollectT) {
			n, err := s.db.scalar(q)
			require.NoError(c, err)
			require.Positive(c, n)
		}, waitLimit, 100*time.Millisecond, "%s in InfluxDB", q)
	}

	host, err := os.Hostname()
	require.NoError(t, err)
	macros := strings.NewReplacer(
		"$timeFilter", fmt.Sprintf("time >= %dms and time <= %dms", from.UnixMilli(), time.Now().Add(time.Minute).UnixMilli()),
		"$__interval", "1s",
		"$host", regexp.QuoteMeta(host),
		":dashboardTime:", fmt.Sprintf("%dms", from.UnixMilli()),
		":upperDashboardTime:", fmt.Sprintf("%dms", time.Now().Add(time.Minute).UnixMilli()),
		":interval:", "1s",
		":host:", "'"+strings.ReplaceAll(host, "'", `\'`)+"'",
	)
	forEachQuery(t, queries, macros.Replace, func(t *testing.T, _, q string) {
		result, err := s.db.query(q)
		require.NoError(t, err)
		require.NotEmpty(t, result, "%s: no series", q)
		// Every column has a value somewhere: a misspelt field would come
		// back as a column of nulls.
		for _, sr := range result {
			for i, col := range sr.Columns {
				require.True(t, hasValue(sr.Values, i), "%s: column %q of %s has no value", q, col, sr.Name)
			}
		}
	})
}

// forEachQuery runs check on every query of a dashboard, by name, each in
// a subtest of that name, with the dashboard's macros expanded.
func forEachQuery(t *testing.T, queries map[string]string, expand func(string) string, check func(t *testing.T, name, q string)) {
	t.Helper()
	for _, name := range slices.Sorted(maps.Keys(queries)) {
		q := expand(queries[name])
		t.Run(name, func(t *testing.T) {
			require.NotRegexp(t, `\$[\w{]|:\w+:`, q, "a variable or macro the test does not expand")
			check(t, name, q)
		})
	}
}

// hasValue reports whether any row has a value in column i.
func hasValue(rows [][]any, i int) bool {
	for _, r := range rows {
		if i < len(r) && r[i] != nil {
			return true
		}
	}
	return false
}
