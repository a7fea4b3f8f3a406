#!/usr/bin/env python3
"""A stand-in for the centre's S3 inbox, for tests only: moto's S3 server (PyPI moto[server])
on a loopback port, behind a thin fault proxy that fails a share of the requests the way the
test centre does: 500, 503 and 429 with Retry-After, slow answers, and connections dropped
after the request was processed (the answer never arrives).

usage: test_inbox.py --bucket NAME [--fail-ratio R] [--faults 500,503,429,slow,drop] [--seed S]
                     [--slow-seconds T]
It prints {"port": PROXY, "moto": MOTO} on its first line once both listen. Besides S3, the
proxy answers (never failing them):
  GET /_inbox/stats                      requests, failed, bodyBytes (request body bytes read), by fault
A 500, 503 or 429 is answered on the request's headers, its body never read (as S3 refuses a
throttled request); a dropped connection comes after the whole request was read and processed.
  GET /_inbox/objects                    [{"key", "size"}] in the bucket
  GET /_inbox/uploads                    [{"key", "uploadId"}] multipart uploads still open
  GET /_inbox/decrypt?key=K&seckey=FILE  {"size", "sha256"} of the object decrypted with the
                                         crypt4gh package (PyPI) and the secret key FILE
  GET /_inbox/object?key=K               the object's bytes
"""
import argparse
import hashlib
import http.client
import json
import logging
import random
import socket
import tempfile
import threading
import time
import urllib.parse
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from moto.server import ThreadedMotoServer

LOCK = threading.Lock()
STATS = {"requests": 0, "failed": 0, "bodyBytes": 0, "faults": {}}
NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"
HOP = {"connection", "keep-alive", "transfer-encoding", "server", "date"}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    def __init__(self, args, moto_port):
        self.args = args
        self.moto = moto_port
        self.random = random.Random(args.seed)
        self.faults = [f for f in args.faults.split(",") if f]

    def fault(self):
        with LOCK:
            if self.random.random() >= self.args.fail_ratio or not self.faults:
                return None
            return self.random.choice(self.faults)

    def forward(self, method, path, headers, body):
        conn = http.client.HTTPConnection("127.0.0.1", self.moto, timeout=300)
        sent = {k: v for k, v in headers.items() if k.lower() not in HOP and k.lower() != "host"}
        sent["Host"] = f"127.0.0.1:{self.moto}"
        conn.request(method, path, body=body if body else None, headers=sent)
        answer = conn.getresponse()
        data = answer.read()
        conn.close()
        return answer.status, [(k, v) for k, v in answer.getheaders() if k.lower() != "connection"], data

    def s3(self):
        """A botocore client straight to moto (not through the faults)."""
        import botocore.session
        from botocore.config import Config

        return botocore.session.get_session().create_client(
            "s3", endpoint_url=f"http://127.0.0.1:{self.moto}", region_name="us-east-1",
            aws_access_key_id="testing", aws_secret_access_key="testing",
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}))

    def objects(self):
        listed = self.s3().list_objects_v2(Bucket=self.args.bucket, MaxKeys=1000)
        return [{"key": c["Key"], "size": c["Size"], "etag": c["ETag"]} for c in listed.get("Contents", [])]

    def uploads(self):
        listed = self.s3().list_multipart_uploads(Bucket=self.args.bucket)
        return [{"key": u["Key"], "uploadId": u["UploadId"]} for u in listed.get("Uploads", [])]

    def object(self, key):
        return self.s3().get_object(Bucket=self.args.bucket, Key=key)["Body"]

    def decrypt(self, key, seckey):
        from crypt4gh import lib
        from crypt4gh.keys import get_private_key

        class Digest:
            def __init__(self):
                self.sha = hashlib.sha256()
                self.size = 0

            def write(self, data):
                self.sha.update(data)
                self.size += len(data)

        sk = get_private_key(seckey, lambda: "")
        with tempfile.TemporaryFile() as f:
            body = self.object(key)
            while chunk := body.read(1 << 20):
                f.write(chunk)
            f.seek(0)
            out = Digest()
            lib.decrypt([(0, sk, None)], f, out)
        return {"size": out.size, "sha256": out.sha.hexdigest()}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    inbox = None

    def log_message(self, *args):
        pass

    def reply(self, status, body=b"", headers=(), head=False):
        self.send_response(status)
        for name, value in headers:
            if (name.lower() not in HOP or name.lower() == "connection") and name.lower() != "content-length":
                self.send_header(name, value)
        length = dict((k.lower(), v) for k, v in headers).get("content-length") if head else None
        self.send_header("Content-Length", str(length if length is not None else len(body)))
        self.end_headers()
        if not head and body:
            self.wfile.write(body)

    def control(self):
        url = urllib.parse.urlparse(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        inbox = Handler.inbox
        if url.path == "/_inbox/object":
            return self.reply(200, inbox.object(query["key"]).read())
        answers = {
            "/_inbox/stats": lambda: STATS,
            "/_inbox/objects": inbox.objects,
            "/_inbox/uploads": inbox.uploads,
            "/_inbox/decrypt": lambda: inbox.decrypt(query["key"], query["seckey"]),
        }
        body = json.dumps(answers[url.path]()).encode()
        self.reply(200, body, [("Content-Type", "application/json")])

    def handle_any(self):
        if self.path.startswith("/_inbox/"):
            return self.control()
        length = int(self.headers.get("Content-Length") or 0)
        fault = Handler.inbox.fault()
        with LOCK:
            STATS["requests"] += 1
            if fault and fault != "slow":
                STATS["failed"] += 1
            if fault:
                STATS["faults"][fault] = STATS["faults"].get(fault, 0) + 1
        codes = {"500": (500, "InternalError"), "503": (503, "SlowDown"), "429": (429, "TooManyRequests")}
        if fault in codes:
            # Refused on its headers, as S3 refuses a throttled request: the body is not read,
            # and the connection is closed behind the answer.
            status, code = codes[fault]
            xml = f"<?xml version='1.0' encoding='UTF-8'?><Error><Code>{code}</Code><Message>fault proxy</Message></Error>"
            extra = [("Retry-After", "1")] if fault == "429" else []
            self.close_connection = True
            return self.reply(status, xml.encode(), [("Content-Type", "application/xml"), ("Connection", "close")] + extra)
        body = self.rfile.read(length) if length else b""
        with LOCK:
            STATS["bodyBytes"] += len(body)
        if fault == "slow":
            time.sleep(Handler.inbox.args.slow_seconds)
        status, headers, data = Handler.inbox.forward(self.command, self.path, dict(self.headers), body)
        if fault == "drop":
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        self.reply(status, data, headers, head=self.command == "HEAD")

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = handle_any


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bucket", required=True)
    parser.add_argument("--fail-ratio", type=float, default=0.0)
    parser.add_argument("--faults", default="500,503,429,slow,drop")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--slow-seconds", type=float, default=0.5)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    moto_port = free_port()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=moto_port, verbose=False)
    moto.start()
    inbox = Inbox(args, moto_port)
    for _ in range(100):
        try:
            inbox.s3().create_bucket(Bucket=args.bucket)
            break
        except Exception:
            time.sleep(0.1)
    Handler.inbox = inbox
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(json.dumps({"port": server.server_address[1], "moto": moto_port}), flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
