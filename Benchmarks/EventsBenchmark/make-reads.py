#!/usr/bin/env python3
"""Writes a synthetic uncompressed BLOW5 file (record and signal compression none, slow5-specs
0.2.0) of nanopore-like reads for `make bench-events`: levels of 60-120 pA held for 3-22 samples
with Gaussian noise of 2.5 pA, as raw ADC codes (digitisation 8192, range 1467.61, offsets per
read). Deterministic: the same arguments give the same bytes.

usage: make-reads.py OUT.blow5 READS MIN_SAMPLES MAX_SAMPLES [SEED]
"""
import math
import random
import struct
import sys


def signal(rng, n, offset, unit):
    out = []
    while len(out) < n:
        level, dwell = 60 + 60 * rng.random(), 3 + int(rng.random() * 20)
        for _ in range(dwell):
            pa = level + rng.gauss(0, 2.5)
            out.append(max(-32767, min(32767, round(pa / unit - offset))))
    return out[:n]


def main():
    path, reads, low, high = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    rng = random.Random(int(sys.argv[5]) if len(sys.argv) > 5 else 19)
    digitisation, rng_range, rate = 8192.0, 1467.61, 4000.0
    unit = rng_range / digitisation
    text = ("@run_id\tsynthetic\n@sample_frequency\t4000\n"
            "#char*\tuint32_t\tdouble\tdouble\tdouble\tdouble\tuint64_t\tint16_t*\n"
            "#read_id\tread_group\tdigitisation\toffset\trange\tsampling_rate\tlen_raw_signal\traw_signal\n").encode()
    with open(path, "wb") as f:
        head = b"BLOW5\x01" + bytes([0, 2, 0]) + bytes([0]) + struct.pack("<I", 1) + bytes([0])
        f.write(head + bytes(64 - len(head)) + struct.pack("<I", len(text)) + text)
        for k in range(reads):
            n = rng.randint(low, high)
            offset = float(rng.randint(0, 30))
            samples = signal(rng, n, offset, unit)
            rid = ("read-%06d" % k).encode()
            record = (struct.pack("<H", len(rid)) + rid + struct.pack("<I", 0)
                      + struct.pack("<dddd", digitisation, offset, rng_range, rate)
                      + struct.pack("<Q", n) + struct.pack("<%dh" % n, *samples))
            f.write(struct.pack("<Q", len(record)) + record)
        f.write(b"5WOLB")


if __name__ == "__main__":
    main()
