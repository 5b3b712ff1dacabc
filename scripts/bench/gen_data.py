#!/usr/bin/env python3
"""Deterministic benchmark register for the allowance-run benchmarks (see BENCHMARKS.md).

    python3 scripts/bench/gen_data.py --workers 100000 --out /tmp/bench100k

Writes, for N workers in Chengdu (regions 510104/510105/510106/510107, covered by the
sample policy `cd-community-allowance`, region 510100):

- units.csv, posts.csv          one unit (and one post) per 100 workers; 95 % of units are of a
                                type the Chengdu policy covers, 5 % are agencies (not covered);
- workers.csv, credentials.csv  one credential per worker (aide/assistant/intermediate/senior),
                                98.5 % valid, 1 % suspended, 0.5 % revoked;
- registrations.csv             first registration 30 days after issue, and (for 97 %) a renewal
                                in 2024/2025 so it is in force in the benchmark month 2026-10;
- assignments.csv               one assignment per worker (90 % full-time, 10 % part-time
                                started within the 24-month part-time limit); 2 % have none;
- appraisals.csv                the 2025 appraisal (grades: 20 % excellent, 77 % pass,
                                2 % basic_pass, 1 % fail);
- credit_entries.csv            2 % a commendation, 1 % a warning (neither blocks).

About 81 % of the decisions for 2026-10 are ELIGIBLE; the others are blocked for realistic
reasons (post not covered, no post, lapsed registration, suspended/revoked credential,
failed appraisal). The same N gives the same bytes. Every file is in the `registry-api import`
format (appraisals and credit entries carry their tables' columns, in the order recorded) and
`scripts/bench/load.sh` loads them all with `registry-api import`.
"""

import argparse
import csv
import datetime as dt
import os

REGIONS = ["510104", "510105", "510106", "510107"]
COVERED = ["urban_community", "street_service_centre", "administrative_village"]
EDUCATION = ["high_school", "college", "bachelor", "master", "doctorate"]
LEVELS = ["assistant", "intermediate", "assistant", "intermediate", "aide", "senior"]
CREATED = "2026-01-01T00:00:00Z"
RECORDED = "2026-01-15T00:00:00Z"
WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
WORKERS_PER_UNIT = 100


def uid(kind: int, i: int) -> str:
    """A UUID-shaped id: `kind` names the table, `i` the row."""
    return f"{kind:08x}-0000-7000-8000-{i:012x}"


def resident_id(i: int) -> str:
    """A GB 11643 resident ID with a correct check character, unique per i < 36.5M."""
    birth = dt.date(1960, 1, 1) + dt.timedelta(days=i // 1000)
    stem = f"510104{birth:%Y%m%d}{i % 1000:03d}"
    s = sum(int(c) * w for c, w in zip(stem, WEIGHTS))
    return stem + "10X98765432"[s % 11]


def day(d: dt.date) -> str:
    return d.isoformat()


def writer(out: str, name: str, header):
    f = open(os.path.join(out, name), "w", newline="", encoding="utf-8")
    w = csv.writer(f, lineterminator="\n")
    w.writerow(header)
    return f, w


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=100_000)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    n, out = a.workers, a.out
    os.makedirs(out, exist_ok=True)
    n_units = max(1, (n + WORKERS_PER_UNIT - 1) // WORKERS_PER_UNIT)

    f, w = writer(out, "units.csv", ["id", "region_code", "name", "unit_type", "credit_code",
                                     "version", "created_at", "updated_at"])
    unit_type = []
    for u in range(n_units):
        t = "agency" if u % 20 == 7 else COVERED[u % len(COVERED)]
        unit_type.append(t)
        w.writerow([uid(0x10, u), REGIONS[u % len(REGIONS)], f"成都基准单位{u}", t, "",
                    1, CREATED, CREATED])
    f.close()

    f, w = writer(out, "posts.csv", ["id", "unit_id", "title", "min_level", "grade",
                                     "part_time_allowed", "version", "created_at", "updated_at"])
    for u in range(n_units):
        w.writerow([uid(0x11, u), uid(0x10, u), "社会工作岗", "", "", "true", 1, CREATED, CREATED])
    f.close()

    files = {}
    for name, header in [
        ("workers.csv", ["id", "region_code", "resident_id", "name", "education_level",
                         "social_work_major", "experience_start", "version", "created_at",
                         "updated_at"]),
        ("credentials.csv", ["id", "worker_id", "scheme", "level", "certificate_number",
                             "issuing_authority", "exam_year", "issue_date", "status",
                             "version", "created_at", "updated_at"]),
        ("registrations.csv", ["id", "credential_id", "kind", "registered_on", "created_at"]),
        ("assignments.csv", ["id", "worker_id", "post_id", "start", "end", "basis", "version",
                             "created_at", "updated_at"]),
        ("appraisals.csv", ["id", "worker_id", "unit_id", "year", "grade", "score_ethics",
                            "score_performance", "score_satisfaction", "recorded_on",
                            "corrects_id", "recorded_at"]),
        ("credit_entries.csv", ["id", "subject_kind", "worker_id", "organisation_credit_code",
                                "region_code", "kind", "fine_amount_fen", "abnormal_cause",
                                "serious_cause", "list_kind", "points_to_id", "effective_on",
                                "legal_basis", "evidence_refs", "note", "recorded_at"]),
    ]:
        files[name] = writer(out, name, header)
    ww = {k: v[1] for k, v in files.items()}

    for i in range(n):
        wid = uid(0, i)
        # Workers live in the region of their unit (unit u = i // 100).
        u = i // WORKERS_PER_UNIT
        region = REGIONS[u % len(REGIONS)]
        start = dt.date(2010, 1, 1) + dt.timedelta(days=i % 3000)
        ww["workers.csv"].writerow([wid, region, resident_id(i), f"工作者{i}",
                                    EDUCATION[i % len(EDUCATION)], str(i % 3 == 0).lower(),
                                    day(start), 1, CREATED, CREATED])
        issue = dt.date(2016, 6, 1) + dt.timedelta(days=i % 2000)
        status = "suspended" if i % 100 == 41 else "revoked" if i % 200 == 83 else "valid"
        cid = uid(1, i)
        ww["credentials.csv"].writerow([cid, wid, "national_exam", LEVELS[i % len(LEVELS)],
                                        f"CD{i:010d}", "成都市民政局", issue.year, day(issue),
                                        status, 1, CREATED, CREATED])
        ww["registrations.csv"].writerow([uid(2, i), cid, "first",
                                          day(issue + dt.timedelta(days=30)), CREATED])
        if i % 100 not in (13, 57, 91):  # 3 % never renewed: lapsed by 2026-10
            renewal = dt.date(2024, 1, 1) + dt.timedelta(days=i % 600)
            ww["registrations.csv"].writerow([uid(3, i), cid, "renewal", day(renewal), CREATED])
        if i % 50 != 29:  # 2 % without a post
            part = i % 10 == 3
            a_start = (dt.date(2025, 1, 1) + dt.timedelta(days=i % 365)) if part else start
            ww["assignments.csv"].writerow([uid(4, i), wid, uid(0x11, u), day(a_start), "",
                                            "part_time" if part else "full_time", 1, CREATED,
                                            CREATED])
        r = i % 100
        grade = "excellent" if r < 20 else "fail" if r == 99 else "basic_pass" if r >= 97 else "pass"
        ww["appraisals.csv"].writerow([uid(5, i), wid, uid(0x10, u), 2025, grade, "", "", "",
                                       "2026-01-10", "", RECORDED])
        if i % 50 in (5, 6, 7):
            kind = "warning" if i % 50 == 7 else "commendation"
            ww["credit_entries.csv"].writerow([uid(6, i), "worker", wid, "", region, kind, "",
                                               "", "", "", "", "2025-06-01", "基准数据",
                                               "[]", "", RECORDED])
    for f, _ in files.values():
        f.close()


if __name__ == "__main__":
    main()
