#!/usr/bin/env python3
"""Times the allowance run's worker paging query (decisions/bulk.rs::next_workers) on a SQLite
register from gen_data.py, as issued and walking the primary key (INDEXED BY), for every
STEP-th page of 1,000 workers; prints the sampled time and the estimate for all pages.

    python3 scripts/bench/pages.py /tmp/bench100k.db 100000 1
"""
import sqlite3, sys, time
db, n, step = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
c = sqlite3.connect(db)
q = "SELECT * FROM workers WHERE region_code >= '510100' AND region_code <= '510199' AND id > ? ORDER BY id LIMIT 1000"
qi = "SELECT * FROM workers INDEXED BY sqlite_autoindex_workers_1 WHERE region_code >= '510100' AND region_code <= '510199' AND id > ? ORDER BY id LIMIT 1000"
for name, sql in (("as issued", q), ("by primary key", qi)):
    total = 0.0; k = 0
    for p in range(0, n // 1000, step):
        after = "00000000-0000-7000-8000-%012x" % (p * 1000 - 1) if p else ""
        t = time.perf_counter(); rows = c.execute(sql, (after,)).fetchall(); total += time.perf_counter() - t; k += 1
    print(f"{db} {name}: {k} of {n//1000} pages sampled, {total:.2f} s, est. all pages {total*step:.2f} s")
