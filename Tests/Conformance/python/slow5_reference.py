"""SLOW5/BLOW5 through slow5lib's own Python binding (pyslow5, PyPI), the reference Precis's
reader, writer and streaming path are checked against.

Usage:
  slow5_reference.py dump FILE                 header, aux columns and every read (samples as a SHA-256) as JSON
  slow5_reference.py write OUT CHANNELS READS LENGTH SEED
                                               a synthetic multi-channel run as BLOW5 (zlib records, svb-zd
                                               signal): read i is meant for channel i mod CHANNELS and takes
                                               that channel's calibration; strands are random walks of levels
  slow5_reference.py compare IN OUT            every read of IN must be in OUT with identical raw samples and
                                               calibration; IN's header attributes must be in OUT unchanged
"""
import hashlib
import json
import sys

import numpy as np
import pyslow5


def signal_hash(signal):
    return hashlib.sha256(np.asarray(signal, dtype="<i2").tobytes()).hexdigest()


def reads(path, aux=None):
    s5 = pyslow5.Open(path, "r")
    return s5, list(s5.seq_reads(aux=aux)) if aux else list(s5.seq_reads())


def dump(path):
    s5 = pyslow5.Open(path, "r")
    names = list(s5.get_aux_names() or [])
    out = {"headers": s5.get_all_headers(), "aux": names, "reads": []}
    for r in s5.seq_reads(aux="all" if names else None):
        entry = {k: r[k] for k in ("read_id", "read_group", "digitisation", "offset", "range", "sampling_rate", "len_raw_signal")}
        entry["sha256"] = signal_hash(r["signal"])
        entry["first"] = [int(x) for x in r["signal"][:5]]
        entry["auxValues"] = {n: (r[n].item() if hasattr(r[n], "item") else r[n]) for n in names}
        out["reads"].append(entry)
    json.dump(out, sys.stdout, default=str)


def write(path, channels, per_channel, length, seed):
    rng = np.random.default_rng(seed)
    s5 = pyslow5.Open(path, "w", rec_press="zlib", sig_press="svb-zd")
    header = {}
    header.update({"run_id": "synthetic%d" % seed, "device_id": "SYNTH-1", "flow_cell_id": "FLO-SYNTH",
                   "sample_frequency": "5000", "experiment_type": "genomic_dna", "exp_start_time": "2026-12-01T00:00:00Z"})
    s5.write_header(header)
    written = 0
    for i in range(channels * per_channel):
        channel = i % channels
        digitisation, offset, rng_pa = 8192.0, float(3 + channel % 11), 1400.0 + (channel % 7) * 0.37
        n = int(length * (0.5 + rng.random()))
        dwell = rng.geometric(1 / 9.0, size=n)
        levels = np.repeat(rng.uniform(60, 140, size=n), dwell)[:n]
        pa = levels + rng.normal(0, 1.5, size=n)
        raw = np.round(pa / (rng_pa / digitisation) - offset).astype(np.int16)
        record = s5.get_empty_record()
        record.update({"read_id": "synth-%06d" % i, "read_group": 0, "digitisation": digitisation, "offset": offset,
                       "range": rng_pa, "sampling_rate": 5000.0, "len_raw_signal": n, "signal": raw})
        if s5.write_record(record) != 0:
            raise SystemExit("pyslow5 could not write read %d" % i)
        written += 1
    s5.close()
    json.dump({"reads": written}, sys.stdout)


def compare(inp, outp):
    a = pyslow5.Open(inp, "r")
    b = pyslow5.Open(outp, "r")
    out_names = list(b.get_aux_names() or [])
    produced = {}
    for r in b.seq_reads(aux="all" if out_names else None):
        produced.setdefault(signal_hash(r["signal"]), []).append(r)
    matched, unmatched, calibration = 0, [], []
    for r in a.seq_reads():
        found = produced.get(signal_hash(r["signal"]))
        if not found:
            unmatched.append(r["read_id"])
            continue
        o = found.pop()
        matched += 1
        if any(o[k] != r[k] for k in ("digitisation", "offset", "range", "sampling_rate")) or not np.array_equal(o["signal"], r["signal"]):
            calibration.append(r["read_id"])
    extra = sum(len(v) for v in produced.values())
    ha, hb = a.get_all_headers(), b.get_all_headers()
    header_diff = sorted(k for k, v in ha.items() if v is not None and hb.get(k) != v)
    json.dump({"matched": matched, "unmatchedInput": unmatched[:20], "unmatchedCount": len(unmatched),
               "extraOutput": extra, "calibrationMismatches": calibration[:20], "headerMismatches": header_diff,
               "outputAux": out_names, "outputHeaders": hb}, sys.stdout, default=str)


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "dump":
        dump(sys.argv[2])
    elif command == "write":
        write(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]))
    elif command == "compare":
        compare(sys.argv[2], sys.argv[3])
    else:
        raise SystemExit(__doc__)
