# sqlite_crash: rows inserted into an sqlite3 WAL database, each in its own fsynced transaction, until killed.
# usage: python3 sqlite_crash.py DB LAST [stop]
# First, unless LAST is -1: the database's integrity check says "ok" and rows 0..LAST (the last one reported
# committed before the machine was killed) are all there; "ok"/"not ok" lines. Then more rows, one transaction
# each (journal_mode=wal, synchronous=full), each reported as "synced N" once its commit has returned; with stop,
# none.
import sqlite3
import sys

db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("pragma journal_mode=wal")
db.execute("pragma synchronous=full")
db.execute("create table if not exists t(id integer primary key, v text)")
last = int(sys.argv[2])
if last >= 0:
    check = db.execute("pragma integrity_check").fetchone()[0]
    rows = db.execute("select count(*) from t where id <= ?", (last,)).fetchone()[0]
    if check == "ok" and rows == last + 1:
        print("ok sqlite/committed-rows (%d)" % rows, flush=True)
    else:
        print("not ok sqlite/committed-rows: integrity %s, %d of %d rows" % (check, rows, last + 1), flush=True)
        sys.exit(1)
if sys.argv[3:] == ["stop"]:
    sys.exit(0)
start = db.execute("select coalesce(max(id), -1) + 1 from t").fetchone()[0]
for i in range(start, start + 1000000):
    db.execute("begin")
    db.execute("insert into t values (?, ?)", (i, "row %d " % i + "x" * 200))
    db.execute("commit")
    print("synced", i, flush=True)
