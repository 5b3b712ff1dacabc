#!/usr/bin/env bash
# What a long SQLite allowance run does to other requests (BENCHMARKS.md, sessions 10-11): on a
# fresh copy of a register, starts POST /api/v1/allowance-runs {510100, 2026-10} and, while it
# runs, every ~0.5 s one audited read (an admin's GET /workers/{id}/allowance, which must
# commit its audit entry), one worker's own GET /me/allowance (no audit entry) and one write
# (an admin's POST /units), printing each status and time. Until session 10 the run held
# SQLite's write lock throughout, so audited reads and writes waited up to
# REGISTRY_DB_LOCK_TIMEOUT_MS (default 5 s) and answered 503; since session 11 the run commits
# its lines chunk by chunk and they go on.
#
#   BIN=target/release/registry-api PRISTINE=/tmp/bench1m-pristine.db scripts/bench/run_blocks_reads.sh
set -euo pipefail
source "$(cd "$(dirname "$0")" && pwd)/common.sh"
PRISTINE=${PRISTINE:-/tmp/bench1m-pristine.db}
DB=/tmp/run-blocks.db
rm -f "$DB" "$DB"-wal "$DB"-shm "$DB"-audit-reads*
cp "$PRISTINE" "$DB"
export REGISTRY_DATABASE_URL=sqlite://$DB
bench_serve "${PORT:-8095}" /tmp/run-blocks-serve.log
T0=$(date +%s.%N)
curl -s -o /dev/null -w "run: HTTP %{http_code} in %{time_total} s\n" -X POST "$BASE/api/v1/allowance-runs" \
  -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
  -H "Idempotency-Key: bench-run-$(date +%s%N)" -d '{"region_code":"510100","month":"2026-10"}' &
RUN=$!
sleep 1
for i in $(seq 1 60); do
  w=$(printf '00000000-0000-7000-8000-%012x' $(( i * 7919 )))
  audited=$(curl -s -o /dev/null -w "%{http_code} in %{time_total} s" \
    "$BASE/api/v1/workers/$w/allowance?month=2026-10" -H "Authorization: Bearer $KEY")
  tok=$("$BIN" token --role worker --worker-id "$w" 2>/dev/null)
  own=$(curl -s -o /dev/null -w "%{http_code} in %{time_total} s" \
    "$BASE/api/v1/me/allowance?month=2026-10" -H "Authorization: Bearer $tok")
  write=$(curl -s -o /dev/null -w "%{http_code} in %{time_total} s" -X POST "$BASE/api/v1/units" \
    -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
    -d "{\"name\":\"社区$i\",\"region_code\":\"510104\",\"unit_type\":\"urban_community\"}")
  printf 't=%5.1f s  audited read: %s  own read: %s  write: %s\n' "$(echo "$(date +%s.%N) - $T0" | bc)" \
    "$audited" "$own" "$write"
  kill -0 "$RUN" 2>/dev/null || break
  sleep 0.5
done
wait "$RUN"
