#!/bin/sh
# tcpdrop: give telegraf-tcpdrop the capabilities it needs under an
# unprivileged Telegraf. A failure is reported, not fatal: the package stays
# installed and the message says what to do instead.
set -e

case "$1" in
configure | [0-9]*) ;; # dpkg passes "configure", rpm the number of installed versions
*) exit 0 ;;
esac

prog=/usr/bin/telegraf-tcpdrop
caps=cap_bpf,cap_perfmon,cap_syslog=ep
instead="Run it as root, or give Telegraf AmbientCapabilities=CAP_BPF CAP_PERFMON CAP_SYSLOG (systemctl edit telegraf), as /usr/share/doc/tcpdrop/README.md describes."

if ! command -v setcap >/dev/null 2>&1; then
	echo "tcpdrop: setcap not found (libcap2-bin, or libcap on RPM systems): $prog has no capabilities. $instead" >&2
elif err=$(setcap "$caps" "$prog" 2>&1); then
	echo "tcpdrop: $prog has $caps"
	if command -v findmnt >/dev/null 2>&1 && findmnt -no OPTIONS -T "$prog" | tr , '\n' | grep -qx nosuid; then
		echo "tcpdrop: but the file system holding $prog is mounted nosuid, which ignores file capabilities. $instead" >&2
	fi
else
	echo "tcpdrop: could not set $caps on $prog: $err" >&2
	case "$err" in
	*"not supported"*) echo "tcpdrop: the file system holding $prog does not support file capabilities (extended attributes). $instead" >&2 ;;
	*) echo "tcpdrop: $instead" >&2 ;;
	esac
fi
echo "tcpdrop: Telegraf reads /etc/telegraf/telegraf.d/tcpdrop.conf when it starts: restart it to start counting (systemctl restart telegraf)."
exit 0
