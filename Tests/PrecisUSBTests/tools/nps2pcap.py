#!/usr/bin/env python3
"""Turns a sequencer session (a Precis trace of the nps control exchange, JSON lines) into a
usbmon capture that `umockdev-run --pcap` replays under the real libusb, with a sample stream
on endpoint 0x82 made here (nps protocol.md §5), so that the streaming path runs through libusb.

The capture mirrors LibUSBTransport: control as in trace2pcap.py; STREAM_IN_FLIGHT bulk-IN URBs
of STREAM_SIZE bytes on 0x82 are submitted just before START_ACQUISITION (the driver starts the
stream first), and after its reply every stream packet completes the oldest of them, which is
submitted again. Channel 1 shows an open pore, then one strand (the samples `expected` prints),
then the pore again; the others an open pore. The last packet carries the last-packet flag, so
the run stops by itself and sends STOP_ACQUISITION as recorded.

usage: nps2pcap.py TRACE.jsonl BUS DEVICE OUT.pcap      the capture
       nps2pcap.py expected                            the strand's raw samples, as JSON
"""
import json
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import trace2pcap  # noqa: E402

EP_STREAM = 0x82
STREAM_IN_FLIGHT = 8      # LibUSBTransport.Options.streamTransfers
STREAM_SIZE = 16384       # LibUSBTransport.Options.streamTransferSize
CHANNELS, FRAMES = 4, 8   # the recorded sequencer's IDENTITY
OPEN_FRAMES, STRAND = 320, 640


def cobs_decode(data):
    out, i = bytearray(), 0
    while i < len(data):
        code = data[i]
        out += data[i + 1:i + code]
        i += code
        if code < 0xFF and i < len(data):
            out.append(0)
    return bytes(out)


def frame_type(hex_text):
    wire = bytes.fromhex(hex_text)
    return cobs_decode(wire[:-1])[1]


def expected():
    """Channel 1's strand: levels of 9 samples stepping between 70 and 130 pA (raw units, calibration 8192/4/1402.882)."""
    unit = 1402.882 / 8192
    return [round((70 + ((k // 9) * 37) % 60 + (k % 3) * 0.4) / unit - 4) for k in range(STRAND)]


def channel_samples(channel, index, calibrations):
    digitisation, offset, rng = calibrations[channel]
    if channel == 0 and OPEN_FRAMES <= index < OPEN_FRAMES + STRAND:
        return expected()[index - OPEN_FRAMES]
    return round((230 + (index % 5) - 2) / (rng / digitisation) - offset)


def packets(calibrations):
    total = 2 * OPEN_FRAMES + STRAND
    count = (total + FRAMES - 1) // FRAMES
    for seq in range(count):
        first = seq * FRAMES
        flags = 2 if seq == count - 1 else 0
        body = b''.join(struct.pack('<h', channel_samples(c, first + f, calibrations))
                        for f in range(FRAMES) for c in range(CHANNELS))
        yield b'NP' + struct.pack('<BBIQHHI', 1, flags, seq, first, CHANNELS, FRAMES, 0) + body


def convert(lines, bus, device):
    calibrations = [(8192.0, float(4 + c % 9), 1402.882 + c % 5) for c in range(CHANNELS)]
    started = False

    def before_write(capture, hex_text, at):
        nonlocal started
        if frame_type(hex_text) == 0x06:              # START_ACQUISITION: the stream is submitted first
            for _ in range(STREAM_IN_FLIGHT):
                capture.submit_in(EP_STREAM, STREAM_SIZE, at)
            started = True

    def after_read(capture, at):
        nonlocal started
        if started:                                   # after ACQUISITION_STARTED: the whole stream
            started = False
            for n, packet in enumerate(packets(calibrations)):
                capture.complete_in(EP_STREAM, STREAM_SIZE, packet, at + 0.0016 * (n + 1))

    return trace2pcap.convert(lines, bus, device, before_write, after_read)


if __name__ == '__main__':
    if len(sys.argv) == 2 and sys.argv[1] == 'expected':
        print(json.dumps(expected()))
    elif len(sys.argv) == 5:
        with open(sys.argv[1]) as f:
            capture = convert(f.readlines(), int(sys.argv[2]), int(sys.argv[3]))
        with open(sys.argv[4], 'wb') as out:
            out.write(capture)
    else:
        sys.exit(__doc__)
