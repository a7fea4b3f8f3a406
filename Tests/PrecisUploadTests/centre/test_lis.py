#!/usr/bin/env python3
"""A stand-in for the hospital LIS's MLLP listener, for tests only.

It accepts HL7 v2 messages framed by MLLP (<VT> message <FS><CR>), appends each to a log file
(one JSON string per line), and answers with an ACK whose MSA-1 follows --answers: a comma-
separated list used in order, the last one repeated (AA accepted, AE error: try again, AR
rejected, drop: close the connection without an answer, after having logged the message).

usage: test_lis.py --log FILE [--answers AA|AE,AA|AR|drop...]
It prints {"port": N} on its first line once it listens.
"""
import argparse
import json
import socket
import threading

START, END = b"\x0b", b"\x1c\x0d"


def field(segment, index):
    parts = segment.split("|")
    i = index - 1 if segment.startswith("MSH") else index   # MSH-1 is the separator itself
    return parts[i] if i < len(parts) else ""


def ack(message, code, text):
    segments = message.split("\r")
    msh = next(s for s in segments if s.startswith("MSH|"))
    control = field(msh, 10)
    return ("MSH|^~\\&|LIS|HOSP|PRECIS|BENCH|20261122120000||ACK^R01^ACK|A" + control[:18] + "|P|2.5.1\r"
            f"MSA|{code}|{control}|{text}\r")


def serve(connection, args, answers, lock):
    with connection:
        data = b""
        while not data.endswith(END):
            chunk = connection.recv(4096)
            if not chunk:
                return
            data += chunk
        message = data[data.index(START) + 1:-len(END)].decode()
        with lock:
            with open(args.log, "a") as log:
                log.write(json.dumps(message) + "\n")
            answer = answers[0] if len(answers) == 1 else answers.pop(0)
        if answer == "drop":
            return
        texts = {"AA": "", "AE": "LIS busy, try again", "AR": "unknown test code for this ward"}
        connection.sendall(START + ack(message, answer, texts.get(answer, "")).encode() + END)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--log", required=True)
    parser.add_argument("--answers", default="AA")
    args = parser.parse_args()
    answers, lock = args.answers.split(","), threading.Lock()
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    print(json.dumps({"port": listener.getsockname()[1]}), flush=True)
    while True:
        connection, _ = listener.accept()
        threading.Thread(target=serve, args=(connection, args, answers, lock), daemon=True).start()


if __name__ == "__main__":
    main()
