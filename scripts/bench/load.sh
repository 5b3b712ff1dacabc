#!/usr/bin/env bash
# Loads a register written by gen_data.py into REGISTRY_DATABASE_URL and times each import.
#
#   REGISTRY_DATABASE_URL=sqlite:///tmp/bench100k.db scripts/bench/load.sh /tmp/bench100k
#   REGISTRY_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench100k scripts/bench/load.sh /tmp/bench100k
#
# BIN defaults to the release binary in $CARGO_TARGET_DIR (or ./target). The six entities go
# through `registry-api import` (validation + batched inserts + one audit entry each), timed
# with /usr/bin/time (wall seconds, peak RSS). Appraisals and credit entries have no importer:
# they are copied into their tables as-is (sqlite3 .import / psql \copy); these two tables
# only receive INSERTs, which their append-only triggers allow.
set -euo pipefail
DIR=${1:?usage: load.sh DIR}
URL=${REGISTRY_DATABASE_URL:?set REGISTRY_DATABASE_URL}
BIN=${BIN:-${CARGO_TARGET_DIR:-target}/release/registry-api}
export REGISTRY_DATABASE_URL
# Fixed development secrets (run.sh and the export use the same), so the benchmark does not
# depend on key files next to the database.
export REGISTRY_DATA_KEY=${REGISTRY_DATA_KEY:-YmVuY2gtZGF0YS1rZXktYmVuY2gtZGF0YS1rZXktMzI=}
export REGISTRY_AUDIT_KEY=${REGISTRY_AUDIT_KEY:-YmVuY2gtYXVkaXQta2V5LWJlbmNoLWF1ZGl0LWstMzI=}
export REGISTRY_JWT_SECRET=${REGISTRY_JWT_SECRET:-bench-jwt-secret-bench-jwt-secret}

"$BIN" migrate
for e in units posts workers credentials registrations assignments; do
  /usr/bin/time -f "import $e: %e s wall, %M KB max RSS" "$BIN" import "$e" "$DIR/$e.csv" \
    2>&1 >/dev/null | grep -v '^writing ' | tail -n 3
done

APPRAISAL_COLS="id, worker_id, unit_id, year, grade, score_ethics, score_performance, score_satisfaction, recorded_on, corrects_id, recorded_at"
CREDIT_COLS="id, subject_kind, worker_id, organisation_credit_code, region_code, kind, fine_amount_fen, abnormal_cause, serious_cause, list_kind, points_to_id, effective_on, legal_basis, evidence_refs, note, recorded_at"
case "$URL" in
  sqlite://*)
    DB=${URL#sqlite://}
    DB=${DB%%\?*}
    sqlite3 "$DB" <<SQL
.bail on
.mode csv
.import '$DIR/appraisals.csv' bench_appraisals
.import '$DIR/credit_entries.csv' bench_credit
BEGIN;
INSERT INTO appraisals ($APPRAISAL_COLS)
  SELECT id, worker_id, unit_id, CAST(year AS INTEGER), grade, NULL, NULL, NULL,
         recorded_on, NULL, recorded_at FROM bench_appraisals;
INSERT INTO credit_entries ($CREDIT_COLS)
  SELECT id, subject_kind, worker_id, NULL, region_code, kind, NULL, NULL, NULL, NULL, NULL,
         effective_on, legal_basis, evidence_refs, NULL, recorded_at FROM bench_credit;
DROP TABLE bench_appraisals;
DROP TABLE bench_credit;
COMMIT;
ANALYZE;
SQL
    ;;
  postgres*)
    psql -q -v ON_ERROR_STOP=1 "$URL" <<SQL
\copy appraisals ($APPRAISAL_COLS) FROM '$DIR/appraisals.csv' WITH (FORMAT csv, HEADER true)
\copy credit_entries ($CREDIT_COLS) FROM '$DIR/credit_entries.csv' WITH (FORMAT csv, HEADER true)
ANALYZE;
SQL
    ;;
  *) echo "unsupported URL" >&2; exit 2 ;;
esac
echo "loaded $DIR"
