#!/bin/sh
# Writes Fixtures/v7.sqlite: a store as Precis wrote it at schema v7 (commit 45e6264), for the
# v8 migration test. Run from the repository root with that commit's binary:
#   PRECIS=.build/debug/precis sh Tests/PrecisStoreTests/Fixtures/make-v7-store.sh
# It holds: a completed CRP run with its result delivered to the test centre (and queued
# nowhere else), an invalid run (pending), an aborted run with its partial trace, a QC run
# measured on the reader, a QC run entered by hand, a sequencing run, and their audit rows.
set -eu
PRECIS=${PRECIS:-.build/debug/precis}
out=Tests/PrecisStoreTests/Fixtures/v7.sqlite
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
$PRECIS audit verify > /dev/null
rm -f "$out"
sqlite3 "$work/precis.sqlite" "VACUUM INTO '$out'"
sqlite3 "$out" "SELECT 'runs', COUNT(*) FROM runs UNION ALL SELECT 'results', COUNT(*) FROM results
  UNION ALL SELECT 'outbox', COUNT(*) FROM outbox UNION ALL SELECT 'audit', COUNT(*) FROM audit_log
  UNION ALL SELECT 'sequencing', COUNT(*) FROM sequencing_runs UNION ALL SELECT 'traces', COUNT(*) FROM raw_traces"
