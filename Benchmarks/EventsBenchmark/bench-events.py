#!/usr/bin/env python3
"""`make bench-events`: `precis events FILE` against the plain C transcription of the same
detector (detect.c), on the same uncompressed BLOW5 file, each process timed whole, in turn
(C, precis, C, precis, ...) so that load from elsewhere falls on both alike. Prints each one's
median and the ratio, and fails unless both find the same number of reads and events.

usage: bench-events.py PRECIS DETECT FILE.blow5 [RUNS] [-- extra precis arguments]
"""
import os
import re
import statistics
import subprocess
import sys
import time


def timed(command):
    start = time.perf_counter()
    out = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=True).stdout
    return time.perf_counter() - start, out.decode()


def counts_precis(text):
    reads = events = 0
    for line in text.splitlines():
        m = re.search(r"  (\d+) samples  (\d+) events", line)
        if m:
            reads += 1
            events += int(m.group(2))
    return reads, events


def main():
    args = sys.argv[1:]
    extra = args[args.index("--") + 1:] if "--" in args else []
    args = args[:args.index("--")] if "--" in args else args
    precis, detect, path = args[0], args[1], args[2]
    runs = int(args[3]) if len(args) > 3 else 7
    c_command, p_command = [detect, path], [precis, "events", path] + extra
    _, c_out = timed(c_command)   # a warm-up each: the file in the page cache, the binaries loaded
    _, p_out = timed(p_command)
    m = re.match(r"(\d+) reads, (\d+) samples, (\d+) events", c_out)
    c_counts, p_counts = (int(m.group(1)), int(m.group(3))), counts_precis(p_out)
    if c_counts != p_counts:
        sys.exit(f"bench-events: C found {c_counts[0]} reads and {c_counts[1]} events, precis {p_counts[0]} and {p_counts[1]}")
    c_times, p_times = [], []
    for _ in range(runs):
        c_times.append(timed(c_command)[0])
        p_times.append(timed(p_command)[0])
    c, p = statistics.median(c_times), statistics.median(p_times)
    print(f"file: {path} ({os.path.getsize(path) / 1e6:.1f} MB), {c_counts[0]} reads, {int(m.group(2)) / 1e6:.2f} M samples, "
          f"{c_counts[1]} events, found by both")
    print(f"C transcription (cc -O3 -march=native -ffp-contract=off): median {c * 1000:.1f} ms of {runs} "
          f"(min {min(c_times) * 1000:.1f}, max {max(c_times) * 1000:.1f})")
    print(f"precis events {' '.join(extra)}: median {p * 1000:.1f} ms of {runs} "
          f"(min {min(p_times) * 1000:.1f}, max {max(p_times) * 1000:.1f})")
    print(f"ratio (C / precis, whole process): {c / p:.2f}x")
    print(f"load: {open('/proc/loadavg').read().split()[:3]}")


if __name__ == "__main__":
    main()
