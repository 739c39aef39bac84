"""How fast SQLite itself stores the rows of an import, with nothing else done.

Inserts N generated responses with Python's `sqlite3.executemany` (prepared statements, one
transaction, WAL) two ways and prints the seconds of each:

- flat: one unindexed table of eight columns, the shape pandas `to_sql` writes;
- cxm schema: the same responses into cxm's own tables (migrations/sqlite/0001_init.sql) —
  one `responses` row, two numeric `answers` and one `text_answers` row each — with no
  validation, segments or count tables.

    python3 bench/sqlite-floor.py [N]

The rows are built before the clock starts, so only SQLite's work (and the binding of each
parameter) is timed. BENCHMARKS.md compares this floor with `cxm import` of the same size.
"""
import os
import sqlite3
import sys
import tempfile
import time

n = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
schema_path = os.path.join(root, "crates/cxm-store/migrations/sqlite/0001_init.sql")


def open_db(path):
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("PRAGMA cache_size = -65536")
    return db


with tempfile.TemporaryDirectory() as work:
    flat_rows = [
        (f"r{i}", f"2025-01-{1 + i % 28:02d} 10:00:00", "华东", f"S{i % 200:03d}", "web", i % 11, 1 + i % 5, "物流很快")
        for i in range(n)
    ]
    db = open_db(os.path.join(work, "flat.db"))
    db.execute("CREATE TABLE responses (response_id TEXT, submitted_at TEXT, region TEXT, store TEXT, "
               "channel TEXT, nps INTEGER, csat INTEGER, comment TEXT)")
    start = time.perf_counter()
    db.execute("BEGIN")
    db.executemany("INSERT INTO responses VALUES (?, ?, ?, ?, ?, ?, ?, ?)", flat_rows)
    db.execute("COMMIT")
    flat = time.perf_counter() - start
    db.close()
    del flat_rows

    db = open_db(os.path.join(work, "cxm.db"))
    with open(schema_path, encoding="utf-8") as schema:
        db.executescript(schema.read())
    db.execute("INSERT INTO surveys VALUES (1, 'bench', 'live', '{}', 0, 0)")
    db.execute("INSERT INTO segments VALUES (1, 'web', '', '{}')")
    responses = [
        # Public ids ordered by time, as cxm's UUIDv7 ids are.
        (f"{i:08x}-0000-7000-8000-{i:012x}", 1, None, 1, "generic:bench", f"r{i}", i * 1000, 20_000 + i // 40_000,
         24_300 + i // 1_000_000, None, 1, 0, 0)
        for i in range(n)
    ]
    answers = [(item, 20_000 + i // 40_000, i + 1, 24_300, 1, None, 1, i % 11) for i in range(n) for item in (1, 2)]
    texts = [(i + 1, 3, "物流很快") for i in range(n)]
    start = time.perf_counter()
    db.execute("BEGIN")
    db.executemany(
        "INSERT INTO responses (uid, survey_id, customer_id, segment_id, source, source_id, submitted_at, "
        "local_day, local_month, language, complete, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        responses,
    )
    db.executemany("INSERT INTO answers VALUES (?, ?, ?, ?, ?, ?, ?, ?)", answers)
    db.executemany("INSERT INTO text_answers VALUES (?, ?, ?)", texts)
    db.execute("COMMIT")
    normalised = time.perf_counter() - start
    db.close()

print(f"| {n:,} responses | flat table (pandas' shape) | {flat:.1f} s |")
print(f"| {n:,} responses | cxm schema (responses, 2 numeric answers, 1 text) | {normalised:.1f} s |")
