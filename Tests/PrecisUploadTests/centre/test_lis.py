#!/usr/bin/env python3
"""A stand-in for the hospital LIS's MLLP listener, for tests only: it reads framed HL7 v2
messages (<VT> message <FS><CR>), keeps them in a file (one per line, segments joined by |~|),
and acknowledges each with MSA-1 AA and MSA-2 = the message's MSH-10 — or AR when the message
holds REJECT, or closes without answering the first message when --drop-first is given.

usage: test_lis.py --log FILE [--drop-first]   (prints {"port": N} once it listens)"""
import argparse
import json
import os
import signal
import socket
import threading

VT, FS, CR = b"\x0b", b"\x1c", b"\x0d"


def serve(conn, args, state):
    data = b""
    with conn:
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                return
            data += chunk
            while FS + CR in data:
                frame, data = data.split(FS + CR, 1)
                message = frame.lstrip(VT).decode()
                segments = message.strip("\r").split("\r")
                control = segments[0].split("|")[9]
                with open(args.log, "a") as log:
                    log.write("|~|".join(segments) + "\n")
                if args.drop_first and not state["dropped"]:
                    state["dropped"] = True
                    return                       # received, never acknowledged
                code = "AR" if "REJECT" in message else "AA"
                ack = f"MSH|^~\\&|LIS|HOSP|PRECIS|SITE|20260101000000||ACK^R01^ACK|A{control}|P|2.5.1\rMSA|{code}|{control}|{'rejected' if code == 'AR' else ''}\r"
                conn.sendall(VT + ack.encode() + FS + CR)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--log", required=True)
    parser.add_argument("--drop-first", action="store_true")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen()
    print(json.dumps({"port": server.getsockname()[1]}), flush=True)
    state = {"dropped": False}
    while True:
        conn, _ = server.accept()
        threading.Thread(target=serve, args=(conn, args, state), daemon=True).start()


if __name__ == "__main__":
    main()
