#!/usr/bin/env python3
"""A stand-in for the hospital LIS's MLLP listener, for tests only.

It reads framed HL7 v2 messages (<VT> message <FS><CR>), keeps each in a log file (one line per
message, segments joined by |~|), and acknowledges it with MSA-2 = the message's MSH-10 and an
MSA-1 taken from --answers: a comma-separated list used in order, the last one repeated (AA
accepted, AE error: try again, AR rejected, drop: close without answering, after the message
was logged). A message holding REJECT is always answered AR. --drop-first is --answers drop,AA.

usage: test_lis.py --log FILE [--answers AA|AE,AA|AR|drop,...] [--drop-first]
It prints {"port": N} on its first line once it listens.
"""
import argparse
import json
import os
import signal
import socket
import threading

VT, FS, CR = b"\x0b", b"\x1c", b"\x0d"
TEXTS = {"AA": "", "AE": "LIS busy, try again", "AR": "unknown test code for this ward"}


def answer_for(message, answers, lock):
    if "REJECT" in message:
        return "AR"
    with lock:
        return answers[0] if len(answers) == 1 else answers.pop(0)


def serve(conn, args, answers, lock):
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
                with lock:
                    with open(args.log, "a") as log:
                        log.write("|~|".join(segments) + "\n")
                code = answer_for(message, answers, lock)
                if code == "drop":
                    return                       # received, never acknowledged
                ack = (f"MSH|^~\\&|LIS|HOSP|PRECIS|SITE|20260101000000||ACK^R01^ACK|A{control[:19]}|P|2.5.1\r"
                       f"MSA|{code}|{control}|{TEXTS.get(code, '')}\r")
                conn.sendall(VT + ack.encode() + FS + CR)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--log", required=True)
    parser.add_argument("--answers", default="AA")
    parser.add_argument("--drop-first", action="store_true")
    args = parser.parse_args()
    answers = ["drop", "AA"] if args.drop_first else args.answers.split(",")
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen()
    print(json.dumps({"port": server.getsockname()[1]}), flush=True)
    lock = threading.Lock()
    while True:
        conn, _ = server.accept()
        threading.Thread(target=serve, args=(conn, args, answers, lock), daemon=True).start()


if __name__ == "__main__":
    main()
