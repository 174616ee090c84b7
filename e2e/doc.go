// Package e2e tests tcpdrop the way users run it: a real Telegraf starts
// telegraf-tcpdrop through inputs.execd, configured with the repository's
// sample.conf, and writes to a real InfluxDB; the tests compare what lands
// in the database with the drops they caused in their own network
// namespaces, and run every query of the Grafana and Chronograf dashboards
// against it. With running totals, Telegraf's prometheus_client serves the
// totals, read as Prometheus does and by a real Prometheus, which runs
// every query of the Prometheus dashboard.
// package_test.go does the same with the .deb installed by dpkg, after
// checking the packages themselves.
//
// `make test` builds Telegraf into .cache/ (make telegraf) and names it in
// TCPDROP_TELEGRAF, and the packages into dist/ (make package), named in
// TCPDROP_PACKAGES; influxd, prometheus, lintian and rpm come from Debian's packages
// (make deps). Without them the tests skip, or fail under
// TCPDROP_REQUIRE_PRIVILEGED=1 as in CI.
package e2e
