# sqlite_procs: two processes insert into one sqlite3 WAL database at once, each with its own connection (its own
# mmap of the shared-memory index), then the database holds every row of both and its integrity check says ok.
# usage: python3 sqlite_procs.py DB ROWS   ("ok"/"not ok" lines; status 1 when one failed)
import os
import sqlite3
import sys

path, rows = sys.argv[1], int(sys.argv[2])
db = sqlite3.connect(path, isolation_level=None)
db.execute("pragma journal_mode=wal")
db.execute("create table t(who integer, n integer)")
db.close()
children = []
for who in (1, 2):
    pid = os.fork()
    if pid == 0:
        c = sqlite3.connect(path, isolation_level=None, timeout=60)
        for n in range(rows):
            c.execute("begin immediate")
            c.execute("insert into t values (?, ?)", (who, n))
            c.execute("commit")
        c.close()
        os._exit(0)
    children.append(pid)
status = [os.waitpid(pid, 0)[1] for pid in children]
db = sqlite3.connect(path, isolation_level=None)
check = db.execute("pragma integrity_check").fetchone()[0]
got = [db.execute("select count(distinct n) from t where who = ?", (who,)).fetchone()[0] for who in (1, 2)]
ok = status == [0, 0] and check == "ok" and got == [rows, rows]
print("%s sqlite-procs/two-writers%s" % ("ok" if ok else "not ok",
      "" if ok else ": status %s, integrity %s, rows %s of %d each" % (status, check, got, rows)))
sys.exit(0 if ok else 1)
