#!/bin/sh
# Writes a store as a past Precis wrote it, for the migration tests. Run from the repository
# root with that commit's binary:
#   PRECIS=.build/debug/precis sh Tests/PrecisStoreTests/Fixtures/make-store.sh v7   (commit 45e6264)
#   PRECIS=.build/debug/precis sh Tests/PrecisStoreTests/Fixtures/make-store.sh v8   (commit 0e7414a)
# Both hold: a completed CRP run with its result delivered to the test centre (and queued
# nowhere else), an invalid run (pending), an aborted run with its partial trace, a QC run
# measured on the reader, a QC run entered by hand, a sequencing run, and their audit rows.
# v8 adds an HIV-1 plate (results and RDML, pending), a blood lead run (pending) and a
# sequencing run cut off by the unplugged sequencer (ABORTED, its reads kept).
set -eu
version=${1:-v7}
PRECIS=${PRECIS:-.build/debug/precis}
out=Tests/PrecisStoreTests/Fixtures/$version.sqlite
work=$(mktemp -d)
trap 'kill $centre 2>/dev/null || true; rm -rf "$work"' EXIT
python3 Tests/PrecisUploadTests/centre/test_centre.py --db "$work/centre.sqlite" > "$work/centre.out" &
centre=$!
while ! grep -q port "$work/centre.out" 2>/dev/null; do sleep 0.1; done
port=$(sed -n 's/.*"port": *\([0-9]*\).*/\1/p' "$work/centre.out")
mkdir -p "$work/drop"
cat > "$work/config.json" <<JSON
{"site": "fixture-bench", "centre": {"baseURL": "http://127.0.0.1:$port/fhir", "production": false}}
JSON
export PRECIS_DB="$work/precis.sqlite" PRECIS_CONFIG="$work/config.json" PRECIS_CALIBRATION=Calibration
$PRECIS run --device 'sim:lfr?reading-ms=0' --assay crp --qc QC-CRP-2609:1 > /dev/null || true
$PRECIS qc add --assay crp --instrument lfr:LFR-SIM-0001 --lot QC-CRP-2609 --value 1=8.1 --value 2=59.0 > /dev/null
$PRECIS run --device 'sim:lfr?reading-ms=0' --assay crp --sample S-0001 --patient P-0001 > /dev/null
$PRECIS upload --now > /dev/null
$PRECIS run --device 'sim:lfr?reading-ms=0&control=0' --assay crp --sample S-0002 > /dev/null || true
$PRECIS run --device 'sim:lfr?reading-ms=0&disconnect-after=3' --assay crp --sample S-0003 > /dev/null || true
$PRECIS run --device 'sim:nps?reads=4&channels=4&fast' --sample S-0004 --output "$work/reads.blow5" > /dev/null
if [ "$version" = v8 ]; then
  $PRECIS run --device "sim:qpcr?cycle-ms=0&wells=Calibration/plates/hiv1-vl-sim-wells.csv" --assay hiv1-vl --lot HIV26B01 \
    --layout Calibration/plates/hiv1-vl-plate.csv > /dev/null
  $PRECIS run --device 'sim:methodscript?lead=12' --assay lead --lot PB26D01 --sample S-0005 > /dev/null
  $PRECIS run --device 'sim:nps?reads=40&channels=4&fast&unplug-after=20' --sample S-0006 --output "$work/cut.blow5" \
    > /dev/null 2>&1 || true
fi
$PRECIS audit verify > /dev/null
rm -f "$out"
sqlite3 "$work/precis.sqlite" "VACUUM INTO '$out'"
sqlite3 "$out" "SELECT 'runs', COUNT(*) FROM runs UNION ALL SELECT 'results', COUNT(*) FROM results
  UNION ALL SELECT 'outbox', COUNT(*) FROM outbox UNION ALL SELECT 'audit', COUNT(*) FROM audit_log
  UNION ALL SELECT 'sequencing', COUNT(*) FROM sequencing_runs UNION ALL SELECT 'traces', COUNT(*) FROM raw_traces"
