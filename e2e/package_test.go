//go:build linux

package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/stretchr/testify/require"

	"github.com/tcpdrop/tcpdrop/internal/netnstest"
)

// packagesEnv names the folder that `make package` fills with the .deb and
// .rpm packages and the programs in them (linux_<arch>/); make test sets it.
const packagesEnv = "TCPDROP_PACKAGES"

// Where the packages put the plugin and its configuration.
const (
	packagedPlugin = "/usr/bin/telegraf-tcpdrop"
	snippetPath    = "/etc/telegraf/telegraf.d/tcpdrop.conf"
	settingsPath   = "/etc/telegraf/tcpdrop.conf"
)

// packagedFiles are the files both packages install; the .deb adds its
// changelog.Debian.gz and lintian overrides.
var packagedFiles = []string{
	settingsPath,
	snippetPath,
	"/usr/bin/tcpdrop",
	packagedPlugin,
	"/usr/share/doc/tcpdrop/README.md",
	"/usr/share/doc/tcpdrop/copyright",
	"/usr/share/man/man8/tcpdrop.8.gz",
	"/usr/share/man/man8/telegraf-tcpdrop.8.gz",
}

// builtPackages are the packages of one `make package` run.
type builtPackages struct {
	dir  string
	debs map[string]string // by GOARCH
	rpms map[string]string // by GOARCH
}

// requirePackages finds the packages and the tools that check them. Like
// requireTools, anything missing skips the test, or fails it under
// TCPDROP_REQUIRE_PRIVILEGED=1.
func requirePackages(t *testing.T) builtPackages {
	t.Helper()
	var missing []string
	p := builtPackages{dir: os.Getenv(packagesEnv), debs: map[string]string{}, rpms: map[string]string{}}
	if p.dir == "" {
		missing = append(missing, packagesEnv+" not set (make package builds them; make test sets it)")
	} else {
		for _, arch := range []struct{ goarch, rpm string }{{"amd64", "x86_64"}, {"arm64", "aarch64"}} {
			debs, _ := filepath.Glob(filepath.Join(p.dir, "tcpdrop_*_"+arch.goarch+".deb"))
			rpms, _ := filepath.Glob(filepath.Join(p.dir, "tcpdrop-*."+arch.rpm+".rpm"))
			if len(debs) != 1 || len(rpms) != 1 {
				missing = append(missing, fmt.Sprintf("one .deb and one .rpm for %s in %s, found %q %q", arch.goarch, p.dir, debs, rpms))
				continue
			}
			p.debs[arch.goarch], p.rpms[arch.goarch] = debs[0], rpms[0]
		}
	}
	for _, tool := range []string{"dpkg", "dpkg-deb", "lintian", "rpm", "man", "groff", "getcap", "setpriv"} {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool+" (make deps)")
		}
	}
	if len(missing) > 0 {
		if os.Getenv(netnstest.RequireEnv) == "1" {
			t.Fatalf("package test cannot run (%s=1): missing %q", netnstest.RequireEnv, missing)
		}
		t.Skipf("package test skipped: missing %q (set %s=1 to fail instead)", missing, netnstest.RequireEnv)
	}
	return p
}

// stdout runs a command, requires it to succeed, and returns its standard
// output; its standard error is shown only if it fails.
func stdout(t *testing.T, dir string, env []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir, cmd.Env = dir, append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "%s %q:\n%s%s", name, args, out, stderr.Bytes())
	return string(out)
}

// lines splits command output into its non-empty lines.
func lines(s string) []string {
	return slices.DeleteFunc(strings.Split(s, "\n"), func(l string) bool { return strings.TrimSpace(l) == "" })
}

// The packages `make package` builds: lintian finds no error in the .debs
// (and every warning is explained in the README), the .rpms hold the same
// files and script, the man pages render without warnings and document
// every flag, and the .deb, installed for real, makes an unprivileged
// Telegraf count exactly, survives an upgrade, and is purged without a
// trace.
func TestPackage(t *testing.T) {
	netnstest.RequirePrivileges(t)
	p := requirePackages(t)
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	require.NoError(t, err)

	t.Run("lintian", func(t *testing.T) {
		debs := []string{p.debs["amd64"], p.debs["arm64"]}
		out := stdout(t, "", nil, "lintian", append([]string{"--no-cfg", "--fail-on", "none"}, debs...)...)
		tag := regexp.MustCompile(`^([A-Z]): tcpdrop[^:]*: (\S+)`)
		for _, l := range lines(out) {
			if strings.HasPrefix(l, "N: ") {
				continue // a note: explanations, never a finding
			}
			m := tag.FindStringSubmatch(l)
			require.NotNil(t, m, "lintian line %q", l)
			require.NotEqual(t, "E", m[1], "lintian error: %s", l)
			if m[1] == "W" {
				require.Contains(t, string(readme), "`"+m[2]+"`", "lintian warning not explained in README.md: %s", l)
			}
		}
	})

	t.Run("rpm", func(t *testing.T) {
		script, err := os.ReadFile(filepath.Join("..", "packaging", "postinstall.sh"))
		require.NoError(t, err)
		version := stdout(t, "", nil, "dpkg-deb", "-f", p.debs["amd64"], "Version")
		for goarch, rpmArch := range map[string]string{"amd64": "x86_64", "arm64": "aarch64"} {
			rpm := p.rpms[goarch]
			require.Equal(t, "tcpdrop "+strings.TrimSpace(version)+" "+rpmArch,
				stdout(t, "", nil, "rpm", "-qp", "--qf", "%{NAME} %{VERSION}-%{RELEASE} %{ARCH}", rpm), "the .deb's version")

			// Every file, and the folders only the package uses, so that
			// rpm -e removes them.
			want := slices.Concat(packagedFiles, []string{"/etc/telegraf", "/etc/telegraf/telegraf.d", "/usr/share/doc/tcpdrop"})
			slices.Sort(want)
			require.Equal(t, want, lines(stdout(t, "", nil, "rpm", "-qlp", rpm)), "rpm -qlp %s", rpm)

			// Configuration files an upgrade does not overwrite: %config(noreplace).
			var configs []string
			for _, l := range lines(stdout(t, "", nil, "rpm", "-qp", "--qf", "[%{FILEFLAGS:fflags} %{FILENAMES}\n]", rpm)) {
				if flags, name, _ := strings.Cut(l, " "); strings.Contains(flags, "c") {
					require.Contains(t, flags, "n", "%s is %%config(noreplace)", name)
					configs = append(configs, name)
				}
			}
			require.ElementsMatch(t, []string{settingsPath, snippetPath}, configs)

			scripts := stdout(t, "", nil, "rpm", "-qp", "--scripts", rpm)
			require.Regexp(t, `^postinstall scriptlet \(using /bin/sh\):\n`, scripts)
			require.Contains(t, scripts, strings.TrimSpace(string(script)), "the post-install script as committed")
			require.Contains(t, lines(stdout(t, "", nil, "rpm", "-qpR", rpm)), "libcap", "setcap's package on RPM systems")
		}
	})

	t.Run("man pages", func(t *testing.T) {
		for _, page := range []string{"tcpdrop", "telegraf-tcpdrop"} {
			src := filepath.Join("..", "packaging", page+".8")
			// Both formatters write warnings to standard error only.
			for _, argv := range [][]string{{"man", "--warnings", "-l", src}, {"groff", "-ww", "-man", "-z", src}} {
				cmd := exec.Command(argv[0], argv[1:]...)
				cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8", "MANWIDTH=80")
				var stderr bytes.Buffer
				cmd.Stderr = &stderr
				out, err := cmd.Output()
				require.NoError(t, err, "%q: %s", argv, stderr.Bytes())
				require.Empty(t, stderr.String(), "%q warns", argv)
				if argv[0] == "man" {
					require.Contains(t, string(out), "NAME")
				}
			}

			// Every flag of the program, from its usage message.
			text, err := os.ReadFile(src)
			require.NoError(t, err)
			cmd := exec.Command(filepath.Join(p.dir, "linux_"+runtime.GOARCH, page), "-h")
			usage, _ := cmd.CombinedOutput() // flag's -h exits 0 or 2
			flags := regexp.MustCompile(`(?m)^  -(\S+)`).FindAllStringSubmatch(string(usage), -1)
			require.NotEmpty(t, flags, "%s -h:\n%s", page, usage)
			for _, f := range flags {
				require.Contains(t, string(text), `\fB\-`+strings.ReplaceAll(f[1], "-", `\-`)+`\fR`,
					"%s(8) documents -%s", page, f[1])
			}
		}
	})

	t.Run("installed", func(t *testing.T) {
		testInstalled(t, p.dir, p.debs[runtime.GOARCH])
	})
}

// testInstalled installs the .deb with dpkg, upgrades it, runs Telegraf as
// an unprivileged user with the installed snippet, and purges the package,
// which it does when the test fails too.
func testInstalled(t *testing.T, dir, deb string) {
	tl := requireTools(t)
	status := func() string {
		out, _ := exec.Command("dpkg-query", "-W", "-f", "${db:Status-Status}", "tcpdrop").Output()
		return string(out)
	}
	require.Contains(t, []string{"", "not-installed"}, status(),
		"package tcpdrop is on this machine already; the test installs and purges its own (dpkg --purge tcpdrop)")

	// What the package holds, and which of its folders existed before it.
	var paths []string
	for _, l := range lines(stdout(t, "", nil, "dpkg-deb", "-c", deb)) {
		f := strings.Fields(l)
		if path := strings.TrimSuffix(strings.TrimPrefix(f[len(f)-1], "."), "/"); path != "" {
			paths = append(paths, path)
		}
	}
	existed := map[string]bool{}
	for _, path := range paths {
		_, err := os.Lstat(path)
		existed[path] = err == nil
	}
	dpkg := func(args ...string) string {
		t.Helper()
		out, err := runDpkg(args...)
		require.NoError(t, err, "dpkg %q:\n%s", args, out)
		return out
	}
	t.Cleanup(func() {
		if out, err := runDpkg("--purge", "tcpdrop"); err != nil {
			t.Errorf("dpkg --purge tcpdrop: %v\n%s", err, out)
		}
	})

	out := dpkg("-i", deb)
	require.Contains(t, out, "tcpdrop: "+packagedPlugin+" has cap_bpf,cap_perfmon,cap_syslog=ep")
	require.Contains(t, out, "restart it to start counting")
	requireCaps(t)
	want := slices.Clone(packagedFiles)
	want = append(want, "/usr/share/doc/tcpdrop/changelog.Debian.gz", "/usr/share/lintian/overrides/tcpdrop")
	var installed []string
	for _, path := range lines(stdout(t, "", nil, "dpkg", "-L", "tcpdrop")) {
		if fi, err := os.Lstat(path); err == nil && !fi.IsDir() {
			installed = append(installed, path)
		}
	}
	require.ElementsMatch(t, want, installed, "dpkg -L tcpdrop: the files")
	conffiles := stdout(t, "", nil, "dpkg-query", "-W", "-f", "${Conffiles}", "tcpdrop")
	require.Len(t, lines(conffiles), 2, "conffiles:\n%s", conffiles)
	require.Contains(t, conffiles, " "+snippetPath+" ")
	require.Contains(t, conffiles, " "+settingsPath+" ")

	// The settings are the plugin's sample; the snippet is sample.conf's
	// block, with the installed program and its settings.
	settings, err := os.ReadFile(settingsPath)
	require.NoError(t, err)
	sample, err := os.ReadFile(filepath.Join("..", "plugins", "inputs", "tcpdrop", "sample.conf"))
	require.NoError(t, err)
	require.Equal(t, string(sample), string(settings))
	requireSnippet(t)

	// A user's edit of the settings survives an upgrade, and so do the
	// capabilities, although the upgrade replaces the program. The edit
	// groups by namespace, so the counts below are this test's own.
	edited := regexp.MustCompile(`(?m)^  # group_by = .*$`).ReplaceAll(settings,
		[]byte(`  group_by = ["reason", "state", "flags", "frame", "netns"]`))
	require.NotEqual(t, settings, edited, "the sample has a group_by line to edit")
	require.NoError(t, os.WriteFile(settingsPath, edited, 0o644))
	newer := newerPackage(t, dir, deb)
	out = dpkg("-i", newer)
	require.NotContains(t, out, "Configuration file", "no question about the edited file")
	require.Equal(t, strings.TrimSpace(stdout(t, "", nil, "dpkg-deb", "-f", newer, "Version")),
		stdout(t, "", nil, "dpkg-query", "-W", "-f", "${Version}", "tcpdrop"), "upgraded")
	kept, err := os.ReadFile(settingsPath)
	require.NoError(t, err)
	require.Equal(t, string(edited), string(kept), "the upgrade kept the edited settings")
	requireCaps(t)

	// Telegraf as nobody, its config plus the installed snippet, as the
	// package's unit runs it with /etc/telegraf/telegraf.d.
	nobody, err := user.Lookup("nobody")
	require.NoError(t, err)
	db := startInfluxDB(t, tl.influxd)
	argv := []string{
		"setpriv", "--reuid=" + nobody.Uid, "--regid=" + nobody.Gid, "--clear-groups", "--inh-caps=-all", "--",
		copyExecutable(t, tl.telegraf), "--config", writeConf(t, agentConf+"\n"+influxOutput(db)), "--config", snippetPath,
	}
	s := &stack{db: db, tg: runTelegraf(t, packagedPlugin, argv)}
	plugin := s.tg.waitCounting(t, 1)
	procStatus, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", plugin.pid))
	require.NoError(t, err)
	require.Regexp(t, `(?m)^Uid:\s+`+nobody.Uid+`\s`, string(procStatus), "the plugin's user")
	ns := s.newNS(t)
	const n = 200
	connectClosed(t, ns.NS, "tcp4", n)
	s.requireDrops(t, ns, n)
	named, err := s.db.scalar(`SELECT sum("drops") FROM "tcpdrop" WHERE ` + ns.where() + ` AND "frame" = 'tcp_v4_rcv'`)
	require.NoError(t, err)
	require.EqualValues(t, n, named, "drops at a named drop site (CAP_SYSLOG)")
	require.Empty(t, s.tg.grep(regexp.MustCompile(`^\S+ E! `)))
	stop(s.tg.cmd, s.tg.exited, 15*time.Second)

	// The installed pages render too.
	for _, page := range []string{"tcpdrop", "telegraf-tcpdrop"} {
		cmd := exec.Command("man", "--warnings", "-l", "/usr/share/man/man8/"+page+".8.gz")
		cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8", "MANWIDTH=80")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		require.NoError(t, cmd.Run())
		require.Empty(t, stderr.String(), "man %s warns", page)
	}

	// Purge: no file of the package is left, nor a folder it made.
	dpkg("--purge", "tcpdrop")
	require.Contains(t, []string{"", "not-installed"}, status())
	for _, path := range paths {
		if _, err := os.Lstat(path); err == nil {
			require.True(t, existed[path], "%s is left after dpkg --purge", path)
			fi, err := os.Lstat(path)
			require.NoError(t, err)
			require.True(t, fi.IsDir(), "%s is left after dpkg --purge", path)
		}
	}
}

// requireCaps requires the installed plugin to have the capabilities it
// needs as file capabilities.
func requireCaps(t *testing.T) {
	t.Helper()
	out := strings.TrimSpace(stdout(t, "", nil, "getcap", packagedPlugin))
	path, caps, ok := strings.Cut(out, " ")
	require.True(t, ok, "getcap: %q", out)
	require.Equal(t, packagedPlugin, path)
	list, set, ok := strings.Cut(caps, "=")
	require.True(t, ok, "getcap: %q", out)
	require.Equal(t, "ep", set, "getcap: %q", out)
	require.ElementsMatch(t, []string{"cap_bpf", "cap_perfmon", "cap_syslog"}, strings.Split(list, ","), "getcap: %q", out)
}

// requireSnippet requires the installed telegraf.d snippet to be the
// repository's sample.conf block with only its command changed: the
// installed program, with the installed settings.
func requireSnippet(t *testing.T) {
	t.Helper()
	var installed, shipped map[string]any
	_, err := toml.DecodeFile(snippetPath, &installed)
	require.NoError(t, err)
	_, err = toml.DecodeFile(filepath.Join("..", "sample.conf"), &shipped)
	require.NoError(t, err)
	execd := execdTable(t, installed)
	require.Equal(t, []any{packagedPlugin, "-poll_interval", "10s", "-config", settingsPath}, execd["command"])
	execdTable(t, shipped)["command"] = execd["command"]
	require.Equal(t, shipped, installed, "only the command differs from sample.conf")
}

// newerPackage builds deb again with a higher version, as the next release
// would be, from the programs `make package` built into dir.
func newerPackage(t *testing.T, dir, deb string) string {
	t.Helper()
	out := t.TempDir()
	upstream, _, _ := strings.Cut(strings.TrimSpace(stdout(t, "", nil, "dpkg-deb", "-f", deb, "Version")), "-")
	stdout(t, "..", []string{"ARCH=" + runtime.GOARCH, "VERSION=" + upstream + "+1", "DIST=" + dir},
		"go", "tool", "nfpm", "package", "-f", "packaging/nfpm.yaml", "-p", "deb", "-t", out)
	debs, err := filepath.Glob(filepath.Join(out, "*.deb"))
	require.NoError(t, err)
	require.Len(t, debs, 1)
	return debs[0]
}

// runDpkg runs dpkg without questions. Another package manager working on
// this machine holds dpkg's lock for a while: dpkg is tried again then, for
// a minute at most.
func runDpkg(args ...string) (string, error) {
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(time.Second) {
		cmd := exec.Command("dpkg", args...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive", "LC_ALL=C")
		out, err := cmd.CombinedOutput()
		if err == nil || !bytes.Contains(out, []byte("was locked by another process")) || time.Now().After(deadline) {
			return string(out), err
		}
	}
}
