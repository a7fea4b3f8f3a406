#!/usr/bin/env python3
"""A stand-in for the regional centre's FHIR server, for tests only.

It accepts FHIR transaction Bundles over HTTP(S) (gzip bodies too), stores what it accepts in
its own SQLite file, honours conditional create (`ifNoneExist: identifier=system|value`) and
PUT to a fixed id, and answers with a transaction-response Bundle. It can be told to fail:
500, 503 and 429 with Retry-After, slow answers, connections dropped after the Bundle was
processed (the answer never arrives), and Bundles refused with an OperationOutcome. It also
serves an OAuth2 client-credentials token endpoint, and TLS with or without client
certificates.

usage: test_centre.py --db FILE [--port N] [--fail-ratio R] [--faults 500,503,429,slow,drop] [--seed S] [--slow-seconds T]
                      [--require-token] [--token-lifetime S] [--token-expires-in S] [--client-secret S] [--tls CERT KEY] [--client-ca CA]
                      [--down-file FILE]
It prints {"port": N} on its first line once it listens. GET /_stats tells what it holds.
Every Bundle it accepts may carry the sender's audit-chain head (a Provenance extension
urn:precis:fhir:extension:audit-head with `sequence` and `hash`): it keeps each one in its
table `heads`, and GET /_heads lists them, the newest last.
"""
import argparse
import base64
import gzip
import json
import os
import random
import signal
import socket
import sqlite3
import ssl
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()


def open_db(path):
    db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("""CREATE TABLE IF NOT EXISTS resources (
        id TEXT PRIMARY KEY, type TEXT NOT NULL, system TEXT, value TEXT, body TEXT NOT NULL)""")
    db.execute("CREATE INDEX IF NOT EXISTS by_identifier ON resources(type, system, value)")
    db.execute("""CREATE TABLE IF NOT EXISTS requests (
        at REAL, outcome TEXT, bundle TEXT)""")
    db.execute("""CREATE TABLE IF NOT EXISTS heads (
        at REAL, bundle TEXT, sequence INTEGER NOT NULL, hash TEXT NOT NULL)""")
    return db


AUDIT_HEAD = "urn:precis:fhir:extension:audit-head"


def audit_head(bundle):
    """The (sequence, hash) a Bundle's Provenance carries, or None."""
    for entry in bundle.get("entry", []):
        resource = entry.get("resource", {})
        if resource.get("resourceType") != "Provenance":
            continue
        for extension in resource.get("extension", []):
            if extension.get("url") == AUDIT_HEAD:
                parts = {e.get("url"): e for e in extension.get("extension", [])}
                return parts["sequence"]["valuePositiveInt"], parts["hash"]["valueString"]
    return None


def outcome(text, code=400):
    return code, {"resourceType": "OperationOutcome",
                  "issue": [{"severity": "error", "code": "invalid", "diagnostics": text}]}


class Centre:
    def __init__(self, args):
        self.args = args
        self.db = open_db(args.db)
        self.random = random.Random(args.seed)
        self.tokens = {}

    def transaction(self, bundle):
        """Applies a transaction atomically; returns (status, response body)."""
        if bundle.get("resourceType") != "Bundle" or bundle.get("type") != "transaction":
            return outcome("expected a transaction Bundle")
        for entry in bundle.get("entry", []):
            resource = entry.get("resource", {})
            text = json.dumps(resource)
            if "REJECT" in text:
                return outcome("Specimen identifier is not registered at the centre: REJECT")
        responses = []
        with LOCK:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                for entry in bundle["entry"]:
                    responses.append(self.apply(entry))
                head = audit_head(bundle)
                if head:
                    self.db.execute("INSERT INTO heads VALUES (?, ?, ?, ?)",
                                    (time.time(), (bundle.get("identifier") or {}).get("value"), head[0], head[1]))
                self.db.execute("COMMIT")
            except Exception:
                self.db.execute("ROLLBACK")
                raise
        return 200, {"resourceType": "Bundle", "type": "transaction-response",
                     "entry": [{"response": r} for r in responses]}

    def apply(self, entry):
        request, resource = entry["request"], entry["resource"]
        kind = resource["resourceType"]
        ident = (resource.get("identifier") or [{}])
        ident = ident[0] if isinstance(ident, list) else ident
        system, value = ident.get("system"), ident.get("value")
        if request["method"] == "PUT":
            rid = request["url"].split("/", 1)[1]
            existed = self.db.execute("SELECT 1 FROM resources WHERE id = ?", (rid,)).fetchone()
            self.db.execute("INSERT OR REPLACE INTO resources VALUES (?, ?, ?, ?, ?)",
                            (rid, kind, system, value, json.dumps(resource)))
            return {"status": "200 OK" if existed else "201 Created", "location": f"{kind}/{rid}"}
        condition = request.get("ifNoneExist", "")
        if condition.startswith("identifier="):
            csystem, cvalue = condition[len("identifier="):].split("|", 1)
            found = self.db.execute("SELECT id FROM resources WHERE type = ? AND system = ? AND value = ?",
                                    (kind, csystem, cvalue)).fetchone()
            if found:
                return {"status": "200 OK", "location": f"{kind}/{found[0]}"}
        rid = str(uuid.uuid4())
        self.db.execute("INSERT INTO resources VALUES (?, ?, ?, ?, ?)", (rid, kind, system, value, json.dumps(resource)))
        return {"status": "201 Created", "location": f"{kind}/{rid}"}

    def stats(self):
        rows = self.db.execute("SELECT type, COUNT(*), COUNT(DISTINCT system || '|' || value) FROM resources GROUP BY type").fetchall()
        requests = self.db.execute("SELECT outcome, COUNT(*) FROM requests GROUP BY outcome").fetchall()
        return {"resources": {t: {"rows": n, "distinct": d} for t, n, d in rows}, "requests": dict(requests)}


def handler_for(centre):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True   # headers and body go in two writes: no 40 ms delayed-ACK stall

        def log_message(self, *args):
            pass

        def reply(self, status, body, headers=None):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/fhir+json")
            self.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def note(self, what, bundle=None):
            with LOCK:
                centre.db.execute("INSERT INTO requests VALUES (?, ?, ?)", (time.time(), what, bundle))

        def body(self):
            data = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if self.headers.get("Content-Encoding") == "gzip":
                data = gzip.decompress(data)
            return data

        def do_GET(self):
            if self.path == "/_stats":
                return self.reply(200, centre.stats())
            if self.path == "/_heads":
                with LOCK:
                    rows = centre.db.execute("SELECT bundle, sequence, hash FROM heads ORDER BY rowid").fetchall()
                return self.reply(200, [{"bundle": b, "sequence": s, "hash": h} for b, s, h in rows])
            self.reply(*outcome("not found", 404))

        def do_POST(self):
            if self.path == "/token":
                return self.token()
            if centre.args.require_token and not self.authorised():
                self.body()
                self.note("401")
                return self.reply(*outcome("missing or expired bearer token", 401))
            raw = self.body()
            if centre.args.down_file and os.path.exists(centre.args.down_file):
                self.note("503-maintenance")
                return self.reply(*outcome("the centre is down for maintenance", 503))
            fault = self.fault()
            if fault in ("500", "503", "429"):
                self.note(fault)
                retry = {"503": "1", "429": "2"}.get(fault)
                return self.reply(int(fault), outcome("simulated " + fault, int(fault))[1],
                                  {"Retry-After": retry} if retry else None)
            if fault == "slow":
                time.sleep(centre.args.slow_seconds)
            try:
                bundle = json.loads(raw)
            except ValueError:
                self.note("400")
                return self.reply(*outcome("the body is not JSON"))
            status, response = centre.transaction(bundle)
            dropped = fault == "drop" and status == 200
            self.note(str(status) + ("-dropped" if dropped else ""), json.dumps(bundle) if status == 200 else None)
            if dropped:
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)   # processed, but the answer never arrives
                return
            self.reply(status, response)

        def fault(self):
            ratio = centre.args.fail_ratio
            if ratio <= 0:
                return None
            with LOCK:
                roll, kind = centre.random.random(), centre.random.choice(centre.args.faults.split(","))
            return kind if roll < ratio else None

        def token(self):
            form = self.body().decode()
            expected = centre.args.client_secret
            if expected is not None:
                header = self.headers.get("Authorization", "")
                given = base64.b64decode(header[6:]).decode() if header.startswith("Basic ") else ""
                if given.split(":", 1)[-1] != expected or "grant_type=client_credentials" not in form:
                    self.note("token-refused")
                    return self.reply(401, {"error": "invalid_client"})
            self.note("token")
            token = uuid.uuid4().hex
            centre.tokens[token] = time.time() + centre.args.token_lifetime
            self.reply(200, {"access_token": token, "token_type": "bearer", "expires_in": centre.args.token_expires_in})

        def authorised(self):
            header = self.headers.get("Authorization", "")
            return header.startswith("Bearer ") and centre.tokens.get(header[7:], 0) > time.time()

    return Handler


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--fail-ratio", type=float, default=0.0)
    parser.add_argument("--faults", default="500,503,429,slow,drop", help="the kinds of failure to pick from")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--slow-seconds", type=float, default=1.5)
    parser.add_argument("--require-token", action="store_true")
    parser.add_argument("--token-lifetime", type=float, default=3600, help="how long the centre honours a token, s")
    parser.add_argument("--token-expires-in", type=float, default=3600, help="the lifetime the token endpoint announces, s")
    parser.add_argument("--client-secret", help="the OAuth2 client secret the token endpoint requires (any, when absent)")
    parser.add_argument("--down-file", help="answer 503 (maintenance) while this file exists")
    parser.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    parser.add_argument("--client-ca")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))   # even when started with SIGTERM ignored
    centre = Centre(args)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), handler_for(centre))
    server.daemon_threads = True
    if args.tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*args.tls)
        if args.client_ca:
            context.load_verify_locations(args.client_ca)
            context.verify_mode = ssl.CERT_REQUIRED
        server.socket = context.wrap_socket(server.socket, server_side=True)
    print(json.dumps({"port": server.server_address[1]}), flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
