#!/usr/bin/env bash
# `make deb`: precis_<version>_<arch>.deb, with dpkg-deb, from the release build.
#
#   packaging/deb/build.sh [VERSION] [BINARY] [OUTDIR]
#
# VERSION defaults to packaging/VERSION, BINARY to the release build's precis, OUTDIR to out/.
# The package's files: /usr/bin/precis; /usr/share/precis (Calibration, the kiosk's page, the
# protocol specs, the unit template, VERSION = the version and the commit); the udev rules; the
# systemd unit and the sysusers file for the precis user; /etc/precis/config.json (a conffile).
# Depends is what the binary links (objdump's NEEDED), each library's package found by dpkg -S.
# The manual page is help2man's reading of `precis --help`.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
version=${1:-$(cat "$root/packaging/VERSION")}
binary=${2:-$root/.build-release/release/precis}
out=${3:-$root/out}
arch=$(dpkg --print-architecture)
commit=$(git -C "$root" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
maintainer="Precis maintainers <maintainers@users.noreply.h-seed-972ad97c.example>"
[ -x "$binary" ] || { echo "build.sh: no release binary at $binary (make deb builds it)" >&2; exit 1; }

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
pkg=$stage/precis
share=$pkg/usr/share/precis
doc=$pkg/usr/share/doc/precis
install -d "$pkg/DEBIAN" "$pkg/usr/bin" "$share" "$doc" "$pkg/usr/lib/udev/rules.d" "$pkg/usr/lib/systemd/system" \
    "$pkg/usr/lib/sysusers.d" "$pkg/etc/precis"

install -m 0755 "$binary" "$pkg/usr/bin/precis"
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$pkg/usr/bin/precis"
cp -r "$root/Calibration" "$share/Calibration"
cp -r "$root/Sources/PrecisKiosk/Page" "$share/Page"
cp -r "$root/Sources/PrecisKiosk/systemd" "$share/systemd"
cp -r "$root/Firmware-Protocols" "$share/Firmware-Protocols"
echo "$version $commit" > "$share/VERSION"
install -m 0644 "$root/udev/70-precis.rules" "$pkg/usr/lib/udev/rules.d/70-precis.rules"
install -m 0644 "$root/packaging/systemd/precis-kiosk.service" "$pkg/usr/lib/systemd/system/precis-kiosk.service"
install -m 0644 "$root/packaging/sysusers/precis.conf" "$pkg/usr/lib/sysusers.d/precis.conf"
install -m 0644 "$root/packaging/deb/config.json" "$pkg/etc/precis/config.json"
install -m 0644 "$root/README.md" "$doc/README.md"
# The manual page from the binary's own --help (help2man), so it cannot drift from the CLI.
install -d "$pkg/usr/share/man/man1"
help2man --no-info --no-discard-stderr --version-string="$version" \
    --name="instrument controller for point-of-care precision medicine" "$pkg/usr/bin/precis" \
    | gzip -9n > "$pkg/usr/share/man/man1/precis.1.gz"
# Swift's runtime is linked in (the box needs no Swift), and its Foundation carries its own
# zlib; the binary's own compression uses Debian's libz.so.1 (NEEDED below).
install -d "$pkg/usr/share/lintian/overrides"
install -m 0644 "$root/packaging/deb/lintian-overrides" "$pkg/usr/share/lintian/overrides/precis"
install -m 0644 "$root/packaging/deb/copyright" "$doc/copyright"
{
    echo "precis ($version) unstable; urgency=medium"
    echo
    echo "  * Release build of commit $commit."
    echo
    echo " -- $maintainer  $(date -u -R)"
} | gzip -9n > "$doc/changelog.gz"
find "$pkg" -type d -exec chmod 0755 {} +
find "$pkg" -type f ! -path "$pkg/usr/bin/precis" -exec chmod 0644 {} +

install -m 0644 "$root/packaging/deb/conffiles" "$pkg/DEBIAN/conffiles"
for script in postinst prerm postrm; do install -m 0755 "$root/packaging/deb/$script" "$pkg/DEBIAN/$script"; done

# Depends: the package of each library the binary needs, at least the version installed here.
depends=$(objdump -p "$pkg/usr/bin/precis" | awk '/NEEDED/ { print $2 }' | while read -r lib; do
    path=$(ldconfig -p | awk -v l="$lib" '$1 == l { print $NF; exit }')
    [ -n "$path" ] || continue
    package=$(dpkg -S "$(readlink -f "$path")" 2>/dev/null | head -1 | cut -d: -f1) || true
    [ -n "$package" ] || package=$(dpkg -S "$path" 2>/dev/null | head -1 | cut -d: -f1) || true
    [ -n "$package" ] || continue
    echo "$package (>= $(dpkg-query -W -f='${Version}' "$package" | sed 's/-[^-]*$//'))"
done | sort -u | paste -sd, - | sed 's/,/, /g')
depends="$depends, adduser"    # postinst's fallback where systemd-sysusers is missing
size=$(du -sk --exclude=DEBIAN "$pkg" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$size/" -e "s|@DEPENDS@|$depends|" \
    "$root/packaging/deb/control.in" > "$pkg/DEBIAN/control"
(cd "$pkg" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | sort -z | xargs -0 md5sum) > "$pkg/DEBIAN/md5sums"
chmod 0644 "$pkg/DEBIAN/md5sums" "$pkg/DEBIAN/control"

mkdir -p "$out"
deb="$out/precis_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$pkg" "$deb" >/dev/null
echo "$deb"
