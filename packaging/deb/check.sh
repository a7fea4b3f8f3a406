#!/usr/bin/env bash
# `make deb-check` (run by .ci/run after `make test`): the package as a bench box gets it.
#
#   packaging/deb/check.sh PACKAGE.deb
#
# lintian (no errors); installed with dpkg -i; the installed precis names its version and
# commit, its doctor runs, a simulated run is stored in /var/lib/precis and queued; the package
# rebuilt with a higher version and installed over itself keeps that store (same runs, the
# audit log verifies, the schema untouched); removed and purged, the store stays. Needs root.
set -euo pipefail
deb=$(readlink -f "$1")
root=$(cd "$(dirname "$0")/../.." && pwd)
[ "$(id -u)" = 0 ] || { echo "check.sh: installing a package needs root" >&2; exit 1; }
if dpkg -s precis >/dev/null 2>&1; then echo "check.sh: precis is installed already; remove it first" >&2; exit 1; fi
store_existed=no; [ -e /var/lib/precis ] && store_existed=yes
# However it ends, the machine is left as it was found: the package purged, the store gone if
# this made it, the technician's account removed.
cleanup() {
    userdel -r precis-ci-tech >/dev/null 2>&1 || true
    if dpkg -s precis >/dev/null 2>&1; then dpkg -P precis >/dev/null 2>&1 || true; fi
    if [ "$store_existed" = no ]; then rm -rf /var/lib/precis; fi
}
trap cleanup EXIT
say() { printf '\n== %s\n' "$*"; }
fail() { echo "check.sh: FAILED: $*" >&2; exit 1; }

say "lintian $(basename "$deb")"
lintian --fail-on error --suppress-tags unstripped-binary-or-object "$deb" || fail "lintian reports errors"

say "dpkg -i"
dpkg -i "$deb"
[ -x /usr/bin/precis ] || fail "no /usr/bin/precis"
version=$(/usr/bin/precis --version)
echo "$version"
expected=$(dpkg-deb -f "$deb" Version)
[[ "$version" == "precis $expected (commit "* ]] || fail "precis --version says '$version', the package is $expected"
getent passwd precis >/dev/null || fail "no precis user"
[ "$(stat -c %U:%G /var/lib/precis)" = "precis:precis" ] || fail "/var/lib/precis is not precis:precis"
for f in /usr/lib/udev/rules.d/70-precis.rules /usr/lib/systemd/system/precis-kiosk.service /usr/lib/sysusers.d/precis.conf \
         /etc/precis/config.json /usr/share/precis/Calibration/assays/crp.json /usr/share/precis/Page/index.html \
         /usr/share/precis/Firmware-Protocols/obp/protocol.md; do
    [ -e "$f" ] || fail "the package did not install $f"
done

# A technician's account in the precis group runs the command line, as on a bench box; the
# kiosk's user (precis) must then be able to write what the technician created, and back.
tech=precis-ci-tech
userdel -r "$tech" >/dev/null 2>&1 || true
useradd --create-home --groups precis --shell /bin/sh "$tech"
as_tech() { (cd / && runuser -u "$tech" -- env -u PRECIS_DB -u PRECIS_CONFIG -u PRECIS_CALIBRATION "$@"); }
as_kiosk() { (cd / && runuser -u precis -- env -u PRECIS_DB -u PRECIS_CONFIG -u PRECIS_CALIBRATION "$@"); }

say "precis doctor (installed, as a technician of group precis)"
set +e; as_tech /usr/bin/precis doctor; doctor=$?; set -e
echo "doctor exited $doctor"
[ "$doctor" = 0 ] || fail "the installed doctor finds a problem (exit $doctor)"

say "a simulated run against /var/lib/precis (the technician), then one as the kiosk's user"
as_tech /usr/bin/precis run --device 'sim:lfr?reading-ms=0' --assay crp --sample S-0001
[ -f /var/lib/precis/precis.sqlite ] || fail "the run did not use /var/lib/precis/precis.sqlite"
mode=$(stat -c '%a %G' /var/lib/precis/precis.sqlite)
[ "$mode" = "660 precis" ] || fail "the store is $mode, not 660 group precis: the kiosk could not write it"
as_kiosk /usr/bin/precis run --device 'sim:obp?hb=13.1' --assay hb --lot HB26E01 --sample S-0002
as_tech /usr/bin/precis run --device 'sim:lfr?reading-ms=0' --assay crp --sample S-0003
runs_before=$(as_tech /usr/bin/precis results --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
[ "$runs_before" = 3 ] || fail "expected the three runs in the store, found $runs_before"
as_tech /usr/bin/precis queue
digest_before=$(sqlite3 /var/lib/precis/precis.sqlite "SELECT group_concat(hash, ',') FROM (SELECT hash FROM audit_log ORDER BY id)")

say "upgrade over itself (a second build, a higher version)"
next="$expected+ci1"
next_deb=$("$root/packaging/deb/build.sh" "$next" /usr/bin/precis "$(mktemp -d)")
dpkg -i "$next_deb"
[[ "$(/usr/bin/precis --version)" == "precis $next (commit "* ]] || fail "the upgrade did not install $next"
runs_after=$(as_tech /usr/bin/precis results --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
[ "$runs_after" = "$runs_before" ] || fail "the upgrade changed the store: $runs_before runs before, $runs_after after"
digest_after=$(sqlite3 /var/lib/precis/precis.sqlite "SELECT group_concat(hash, ',') FROM (SELECT hash FROM audit_log ORDER BY id)")
[ "$digest_after" = "$digest_before" ] || fail "the upgrade rewrote the audit log"
as_kiosk /usr/bin/precis audit verify || fail "the audit log does not verify after the upgrade"

say "remove and purge: the store stays"
dpkg -r precis
[ ! -e /usr/bin/precis ] || fail "dpkg -r left /usr/bin/precis"
[ -f /var/lib/precis/precis.sqlite ] || fail "dpkg -r removed the store"
dpkg -P precis
[ -f /var/lib/precis/precis.sqlite ] || fail "dpkg -P removed the store"
[ ! -e /etc/precis/config.json ] || fail "dpkg -P left the conffile"
say "the package installs, runs, upgrades and removes as it should"
