#!/usr/bin/env bash
# `make bench-api`: the release kiosk on 127.0.0.1 with 10,000 stored runs, loaded by wrk for
# 20 s at 1, 10 and 50 connections on GET /api/v1/results (the default page: 50 runs) and
# /metrics. Prints requests/s and the p50/p99 latency of each, and the kiosk's peak RSS.
#
#   Benchmarks/api/bench-api.sh [PRECIS_RELEASE_BINARY] [SECONDS] [RUNS]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
precis=${1:-$root/.build-release/release/precis}
seconds=${2:-20}
target=${3:-10000}
command -v wrk >/dev/null || { echo "bench-api: wrk is missing (apt-get install wrk)" >&2; exit 1; }
work=$(mktemp -d)
kiosk=""
trap '[ -n "$kiosk" ] && kill "$kiosk" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
export PRECIS_DB=$work/precis.sqlite PRECIS_CALIBRATION=$root/Calibration PRECIS_CONFIG=$work/none.json
echo '{}' > "$PRECIS_CONFIG"

echo "seeding the store with real runs of each kind…" >&2
for n in 1 2 3 4; do "$precis" run --device 'sim:lfr?reading-ms=0' --assay crp --sample "S-000$n" >/dev/null; done
"$precis" run --device 'sim:methodscript?lead=12' --assay lead --lot PB26D01 --sample S-0011 >/dev/null
"$precis" run --device 'sim:obp?hb=13' --assay hb --lot HB26E01 --sample S-0012 >/dev/null
"$precis" run --device "sim:qpcr?cycle-ms=0&wells=$root/Calibration/plates/hiv1-vl-sim-wells.csv" --assay hiv1-vl \
    --lot HIV26B01 --layout "$root/Calibration/plates/hiv1-vl-plate.csv" >/dev/null
python3 "$root/Benchmarks/api/populate.py" "$PRECIS_DB" "$target" >&2
printf '1234\n' | "$precis" operator add bench1 --role operator --pin-stdin >/dev/null

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$precis" kiosk --port "$port" --host 127.0.0.1 > "$work/kiosk.log" 2>&1 &
kiosk=$!
base=http://127.0.0.1:$port
for _ in $(seq 1 100); do curl -fs "$base/metrics" >/dev/null 2>&1 && break; sleep 0.1; done
token=$(curl -fs -H 'Content-Type: application/json' -d '{"operator":"bench1","pin":"1234"}' "$base/api/v1/session" \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
page=$(curl -fs -H "Authorization: Bearer $token" "$base/api/v1/results" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
bytes=$(curl -fs -H "Authorization: Bearer $token" "$base/api/v1/results" | wc -c)
echo "GET /api/v1/results: $page runs, $bytes bytes a page; $(nproc) cores; $seconds s per load" >&2

printf '%-18s %5s %10s %9s %9s\n' path conns "req/s" p50_ms p99_ms
for path in /api/v1/results /metrics; do
    for conns in 1 10 50; do
        threads=$(( conns < 2 ? 1 : 2 ))
        out=$(wrk -t"$threads" -c"$conns" -d"${seconds}s" --latency -H "Authorization: Bearer $token" "$base$path")
        rps=$(awk '/^Requests\/sec/ { print $2 }' <<<"$out")
        ms() { awk -v q="$1" '$1 == q { v = $2; if (v ~ /us$/) { sub(/us/, "", v); v /= 1000 } else if (v ~ /ms$/) { sub(/ms/, "", v) } else if (v ~ /s$/) { sub(/s/, "", v); v *= 1000 }; printf "%.2f", v }' <<<"$out"; }
        errors=$(awk '/Non-2xx|Socket errors/ { print }' <<<"$out")
        printf '%-18s %5d %10s %9s %9s %s\n' "$path" "$conns" "$rps" "$(ms 50%)" "$(ms 99%)" "$errors"
    done
done
echo "kiosk peak RSS: $(awk '/VmHWM/ { printf "%.1f MB", $2 / 1024 }' /proc/$kiosk/status), now $(awk '/VmRSS/ { printf "%.1f MB", $2 / 1024 }' /proc/$kiosk/status)"
