#!/usr/bin/env python3
"""Turns a Precis trace (JSON lines from RecordingTransport) into a usbmon capture
(pcap, link type 220 = LINKTYPE_USB_LINUX_MMAPPED) that `umockdev-run --pcap` replays
under the real libusb, so that any recorded session becomes a USB test.

The capture mirrors how PrecisUSB's LibUSBTransport drives the bulk endpoints:
IN_FLIGHT bulk-IN URBs of IN_SIZE bytes are submitted at open and each is resubmitted
when it completes; every write is one bulk-OUT URB. A trace `read` becomes the completion
of the oldest IN URB with those bytes; a trace `write` becomes an OUT submit and its
completion. Reads that failed (timeouts) leave nothing on the wire.

usage: trace2pcap.py TRACE.jsonl BUS DEVICE [OUT.pcap]   (stdout when OUT is not given)
"""
import json
import struct
import sys

IN_FLIGHT = 4      # LibUSBTransport.Options.transfersInFlight
IN_SIZE = 512      # LibUSBTransport.Options.transferSize
EP_OUT, EP_IN = 0x01, 0x81
BULK = 3


def usbmon(urb_id, event, endpoint, bus, device, seconds, status, length, data):
    """One 64-byte usbmon header (linux Documentation/usb/usbmon.rst, 'mmapped') plus data."""
    sec = int(seconds)
    usec = int(round((seconds - sec) * 1e6))
    flag_setup = ord('-')                    # not a control transfer
    flag_data = 0 if data else ord('<' if endpoint & 0x80 else '>')
    header = struct.pack('<QBBBBHbbqiiII8siiII',
                         urb_id, ord(event), BULK, endpoint, device, bus, flag_setup, flag_data,
                         sec, usec, status, length, len(data), b'\0' * 8, 0, 0, 0, 0)
    assert len(header) == 64
    return header + data


def record(packet, seconds):
    sec = int(seconds)
    usec = int(round((seconds - sec) * 1e6))
    return struct.pack('<IIII', sec, usec, len(packet), len(packet)) + packet


class Capture:
    """A usbmon capture being written: URB ids, the IN URBs waiting on each endpoint."""

    def __init__(self, bus, device):
        self.bus, self.device = bus, device
        self.out = [struct.pack('<IHHiIII', 0xA1B2C3D4, 2, 4, 0, 0, 65535, 220)]
        self.next_id = 0x1000
        self.pending = {}

    def submit_in(self, endpoint, size, at):
        """An IN URB of `size` bytes submitted on `endpoint`."""
        self.next_id += 1
        self.pending.setdefault(endpoint, []).append(self.next_id)
        self.out.append(record(usbmon(self.next_id, 'S', endpoint, self.bus, self.device, at, -115, size, b''), at))

    def complete_in(self, endpoint, size, data, at):
        """The oldest IN URB on `endpoint` completes with `data`, and is submitted again."""
        urb = self.pending[endpoint].pop(0)
        self.out.append(record(usbmon(urb, 'C', endpoint, self.bus, self.device, at, 0, len(data), data), at))
        self.submit_in(endpoint, size, at)

    def write(self, data, at):
        """One bulk-OUT URB with `data`, submitted and completed."""
        self.next_id += 1
        self.out.append(record(usbmon(self.next_id, 'S', EP_OUT, self.bus, self.device, at, -115, len(data), data), at))
        self.out.append(record(usbmon(self.next_id, 'C', EP_OUT, self.bus, self.device, at, 0, len(data), b''), at))


def convert(lines, bus, device, before_write=None, after_read=None):
    """The capture of a trace. `before_write(capture, hex, at)` and `after_read(capture, at)`, when
    given, add a family's own traffic around the control exchange (nps2pcap.py's stream)."""
    capture = Capture(bus, device)
    events = [json.loads(line) for line in lines if line.strip()][1:]
    t0 = 1_795_000_000.0
    for _ in range(IN_FLIGHT):
        capture.submit_in(EP_IN, IN_SIZE, t0)
    for event in events:
        at = t0 + event['t']
        if 'hex' not in event:
            continue                          # a failed read or write: nothing on the wire
        data = bytes.fromhex(event['hex'])
        if event['op'] == 'write':
            if before_write:
                before_write(capture, event['hex'], at)
            capture.write(data, at)
        else:
            for start in range(0, len(data), IN_SIZE):
                capture.complete_in(EP_IN, IN_SIZE, data[start:start + IN_SIZE], at)
            if after_read:
                after_read(capture, at)
    return b''.join(capture.out)


if __name__ == '__main__':
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    with open(sys.argv[1]) as f:
        capture = convert(f.readlines(), int(sys.argv[2]), int(sys.argv[3]))
    if len(sys.argv) == 5:
        with open(sys.argv[4], 'wb') as out:
            out.write(capture)
    else:
        sys.stdout.buffer.write(capture)
