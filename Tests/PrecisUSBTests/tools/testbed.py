#!/usr/bin/python3
"""Runs `precis` inside a umockdev testbed (libumockdev through GObject introspection, from
Debian's python3-gi and gir1.2-umockdev-1.0), for the USB tests that need devices to come
and go while Precis runs. Prints one JSON object with what happened.

It must itself run under `umockdev-wrapper` (the testbed's own libudev calls, which build
the uevents, have to see the testbed's /sys).

usage: umockdev-wrapper testbed.py PRECIS FIXTURES SCENARIO [DB]
  hotplug     `precis devices --watch --json` while the reader is plugged in, out, and in again
  unplug-run  a run on usb:LFR-0042 whose recording stops half way; the reader is pulled
  no-access   a run by an unprivileged user on a reader whose node it may not open
  kiosk       `precis kiosk` while the reader is plugged in and out: GET /api/v1/devices each time
"""
import json
import os
import re
import shutil
import signal
import subprocess
import urllib.request
import sys
import time
import warnings

import gi
gi.require_version('UMockdev', '1.0')
with warnings.catch_warnings():
    warnings.filterwarnings('ignore', category=DeprecationWarning)
    from gi.repository import UMockdev

SYSPATH = '/sys/devices/pci0000:00/0000:00:14.0/usb1/1-4'


def environment(testbed):
    env = dict(os.environ)
    env['UMOCKDEV_DIR'] = testbed.get_root_dir()
    env['LD_PRELOAD'] = 'libumockdev-preload.so.0:' + env.get('LD_PRELOAD', '')
    return env


def unplug(testbed):
    """Pulls the reader: a remove uevent (this umockdev's remove_device sends none), then the device goes."""
    testbed.uevent(SYSPATH, 'remove')
    time.sleep(0.1)
    testbed.remove_device(SYSPATH)


def hotplug(precis, fixtures, testbed):
    # The root hub and controller are there from the start; the reader is plugged in later.
    description = open(os.path.join(fixtures, 'lfr-LFR-0042.umockdev')).read()
    reader, parents = description.split('\n\n', 1)
    testbed.add_from_string(parents)
    proc = subprocess.Popen([precis, 'devices', '--watch', '--json', '--seconds', '3'], env=environment(testbed),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = [json.loads(proc.stdout.readline())]          # the list at start
    time.sleep(0.5)
    testbed.add_from_string(reader + '\n')
    lines.append(json.loads(proc.stdout.readline()))
    time.sleep(0.3)
    unplug(testbed)
    lines.append(json.loads(proc.stdout.readline()))
    time.sleep(0.3)
    testbed.add_from_string(reader + '\n')                # plugged back in: usable again, same process
    lines.append(json.loads(proc.stdout.readline()))
    proc.wait(timeout=15)
    return {'lines': lines, 'status': proc.returncode}


def wait_for_running_run(db, proc, seconds=30):
    """Waits until the store at db holds a RUNNING run (or the process has ended)."""
    import sqlite3
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with sqlite3.connect('file:%s?mode=ro' % db, uri=True, timeout=1) as con:
                if con.execute("SELECT count(*) FROM runs WHERE status = 'RUNNING'").fetchone()[0]:
                    return
        except sqlite3.Error:
            pass
        time.sleep(0.05)


def unplug_run(precis, fixtures, testbed, db):
    testbed.add_from_file(os.path.join(fixtures, 'lfr-LFR-0042.umockdev'))
    testbed.load_pcap(SYSPATH, os.path.join(fixtures, 'lfr-LFR-0042-half.pcap'))
    proc = subprocess.Popen([precis, 'run', '--device', 'usb:LFR-0042', '--assay', 'crp', '--sample', 'S-0050',
                             '--db', db], env=environment(testbed), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # Pull the cable once the run is under way, not after a fixed time: on a loaded machine
    # the process may take longer than any fixed sleep just to start. The half recording
    # then keeps the reader silent after its last reading, so a short wait more lets every
    # recorded reading arrive before the unplug.
    wait_for_running_run(db, proc)
    time.sleep(0.4)
    unplug(testbed)
    out, err = proc.communicate(timeout=30)
    return {'status': proc.returncode, 'stdout': out, 'stderr': err}


def no_access(precis, fixtures, testbed, db):
    testbed.add_from_file(os.path.join(fixtures, 'lfr-LFR-0042.umockdev'))
    node = os.path.join(testbed.get_root_dir(), 'dev/bus/usb/001/004')
    os.chmod(node, 0o600)
    for path in [testbed.get_root_dir(), os.path.dirname(db)]:
        os.chmod(path, 0o755)
    os.chmod(os.path.dirname(db), 0o777)
    user = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups']
    env = environment(testbed)
    # The unprivileged user may not see into the checkout (a clone in a mktemp folder is 0700):
    # it gets a readable copy of the calibrations beside its store.
    calibration = os.path.join(os.path.dirname(db), 'Calibration')
    shutil.copytree(env['PRECIS_CALIBRATION'], calibration)
    for folder, _, files in os.walk(calibration):
        os.chmod(folder, 0o755)
        for name in files:
            os.chmod(os.path.join(folder, name), 0o644)
    env['PRECIS_CALIBRATION'] = calibration
    proc = subprocess.run(user + [precis, 'run', '--device', 'usb:LFR-0042', '--assay', 'crp', '--sample', 'S-0051',
                                  '--db', db], env=env, capture_output=True, text=True, timeout=30)
    listing = subprocess.run(user + [precis, 'devices', '--json'], env=env, capture_output=True,
                             text=True, timeout=30)
    return {'status': proc.returncode, 'stdout': proc.stdout, 'stderr': proc.stderr, 'devices': json.loads(listing.stdout)}


def kiosk(precis, fixtures, testbed, db):
    """The kiosk's instrument list follows the reader in and out, in the same process."""
    description = open(os.path.join(fixtures, 'lfr-LFR-0042.umockdev')).read()
    reader, parents = description.split('\n\n', 1)
    testbed.add_from_string(parents)
    env = environment(testbed)
    subprocess.run([precis, 'operator', 'add', 'op1', '--pin-stdin', '--db', db], input='2468\n', env=env, text=True,
                   capture_output=True, timeout=60, check=True)
    proc = subprocess.Popen([precis, 'kiosk', '--port', '0', '--db', db], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    port = None
    while port is None:
        line = proc.stdout.readline()
        if not line:
            raise SystemExit('the kiosk ended before listening: ' + proc.stderr.read())
        found = re.search(r'listening on http://[^:]+:(\d+)', line)
        port = int(found.group(1)) if found else None
    base = 'http://127.0.0.1:%d' % port

    def call(method, path, body=None, token=None):
        request = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode() if body else None)
        request.add_header('Content-Type', 'application/json')
        if token:
            request.add_header('Authorization', 'Bearer ' + token)
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.loads(answer.read())

    token = call('POST', '/api/v1/session', {'operator': 'op1', 'pin': '2468'})['token']

    def addresses():
        return sorted(d['address'] for d in call('GET', '/api/v1/devices', token=token) if d['address'].startswith('usb:'))

    def wait_for(condition):
        deadline = time.time() + 10
        while time.time() < deadline:
            seen = addresses()
            if condition(seen):
                return seen
            time.sleep(0.2)
        return addresses()

    report = {'before': addresses()}
    testbed.add_from_string(reader + '\n')
    report['plugged'] = wait_for(lambda seen: 'usb:LFR-0042' in seen)
    unplug(testbed)
    report['unplugged'] = wait_for(lambda seen: 'usb:LFR-0042' not in seen)
    testbed.add_from_string(reader + '\n')
    report['replugged'] = wait_for(lambda seen: 'usb:LFR-0042' in seen)
    proc.send_signal(signal.SIGTERM)
    report['status'] = proc.wait(timeout=30)
    return report


if __name__ == '__main__':
    precis, fixtures, scenario = sys.argv[1:4]
    db = sys.argv[4] if len(sys.argv) > 4 else None
    testbed = UMockdev.Testbed.new()
    run = {'hotplug': lambda: hotplug(precis, fixtures, testbed),
           'unplug-run': lambda: unplug_run(precis, fixtures, testbed, db),
           'no-access': lambda: no_access(precis, fixtures, testbed, db),
           'kiosk': lambda: kiosk(precis, fixtures, testbed, db)}[scenario]
    print(json.dumps(run()))
