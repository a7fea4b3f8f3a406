#!/usr/bin/env python3
"""Grows a Precis store made by a few real runs to N runs for `make bench-api`: each run, its
raw data, results and outbox entries are copied with new ids (uids made unique), until the store
holds N runs. The copies are a load for the kiosk's lists, not records: they have no audit
rows, so `precis audit verify` on this store names them, as it should.

usage: populate.py STORE N
"""
import sqlite3
import sys
import uuid


def columns(db, table):
    return [row[1] for row in db.execute(f"PRAGMA table_info({table})")]


def copy(db, table, row, cols, changes):
    values = dict(zip(cols, row))
    values.update(changes)
    values.pop("id")
    names = list(values)
    cur = db.execute(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                     [values[n] for n in names])
    return cur.lastrowid


def main():
    path, target = sys.argv[1], int(sys.argv[2])
    db = sqlite3.connect(path)
    tables = {t: columns(db, t) for t in ["runs", "raw_traces", "raw_data", "results", "outbox"]}
    seeds = db.execute("SELECT * FROM runs ORDER BY id").fetchall()
    count = len(seeds)
    with db:
        while count < target:
            for run in seeds:
                if count >= target:
                    break
                old = run[0]
                new = copy(db, "runs", run, tables["runs"], {"uid": str(uuid.uuid4())})
                for trace in db.execute("SELECT * FROM raw_traces WHERE run_id = ?", (old,)).fetchall():
                    copy(db, "raw_traces", trace, tables["raw_traces"], {"run_id": new})
                raw_ids = {}
                for raw in db.execute("SELECT * FROM raw_data WHERE run_id = ?", (old,)).fetchall():
                    raw_ids[raw[0]] = copy(db, "raw_data", raw, tables["raw_data"], {"run_id": new})
                for result in db.execute("SELECT * FROM results WHERE run_id = ? ORDER BY id", (old,)).fetchall():
                    values = dict(zip(tables["results"], result))
                    changes = {"run_id": new, "uid": str(uuid.uuid4()), "supersedes_id": None}
                    if values.get("raw_data_id") in raw_ids:
                        changes["raw_data_id"] = raw_ids[values["raw_data_id"]]
                    rid = copy(db, "results", result, tables["results"], changes)
                    for entry in db.execute("SELECT * FROM outbox WHERE result_id = ?", (result[0],)).fetchall():
                        copy(db, "outbox", entry, tables["outbox"], {"result_id": rid})
                count += 1
    print(f"{path}: {count} runs, {db.execute('SELECT COUNT(*) FROM results').fetchone()[0]} results, "
          f"{db.execute('SELECT COUNT(*) FROM outbox').fetchone()[0]} outbox entries")


if __name__ == "__main__":
    main()
