#!/usr/bin/env bash
# One benchmark round against a register loaded by load.sh (see BENCHMARKS.md):
# starts `registry-api serve`, creates an admin key, stores the Chengdu sample policy, then
#   1. times POST /api/v1/allowance-runs {region 510100, month 2026-10} (curl time_total),
#      and the floor: the same rows selected by sqlite3 / psql (floor.sql), output discarded;
#   2. wrk -t2 -c32 -d15s --latency on /livez (ceiling), then on the single-worker decision
#      (allowance.lua, admin key: every request also writes an audit entry), then on
#      /api/v1/me/allowance as TOKENS different workers (allowance.lua with worker JWTs:
#      no audit entry, a worker's own read).
#
#   REGISTRY_DATABASE_URL=sqlite:///tmp/bench100k.db N=100000 scripts/bench/run.sh
set -euo pipefail
URL=${REGISTRY_DATABASE_URL:?set REGISTRY_DATABASE_URL}
N=${N:-100000}
MONTH=${MONTH:-2026-10}
PORT=${PORT:-8091}
DURATION=${DURATION:-15s}
HERE=$(cd "$(dirname "$0")" && pwd)
export REGISTRY_DATABASE_URL
source "$HERE/common.sh"
bench_serve "$PORT" /tmp/bench-serve.log
echo "server pid $PID, peak RSS so far: $(grep VmHWM /proc/$PID/status)"
echo "policy: HTTP $POLICY_STATUS"

if [ "${SKIP_RUN:-}" != 1 ]; then
  echo "== allowance run, region 510100, month $MONTH"
  CPU0=$(bench_cpu)
  curl -s -o /tmp/bench-run.json -w 'HTTP %{http_code} in %{time_total} s\n' \
    -X POST "$BASE/api/v1/allowance-runs" -H "Authorization: Bearer $KEY" \
    -H 'Content-Type: application/json' -H "Idempotency-Key: bench-run-$(date +%s%N)" \
    -d "{\"region_code\":\"510100\",\"month\":\"$MONTH\"}"
  python3 -c 'import json,sys; r=json.load(open("/tmp/bench-run.json")); t=r["totals"]; print("run", r["id"], "workers", t["workers"], "eligible", t["eligible"], "amount", t["amount"])' || head -c 400 /tmp/bench-run.json
  echo "server CPU during the run: $(( ($(bench_cpu) - CPU0) * 1000 / $(getconf CLK_TCK) )) ms"
  echo "server peak RSS after run: $(grep VmHWM /proc/$PID/status)"
  echo "== floor (same rows, CLI)"
  case "$URL" in
    sqlite://*) DB=${URL#sqlite://}; DB=${DB%%\?*}
      /usr/bin/time -f 'sqlite3 floor: %e s wall' sqlite3 "$DB" <"$HERE/floor.sql" >/dev/null ;;
    postgres*)
      /usr/bin/time -f 'psql floor: %e s wall' psql -qAt "$URL" -f "$HERE/floor.sql" >/dev/null ;;
  esac
fi

if [ "${SKIP_WRK:-}" != 1 ]; then
  echo "== wrk /livez (ceiling)"
  wrk -t2 -c32 -d"$DURATION" --latency "$BASE/livez"
  echo "== wrk single-worker decision, admin key (audited read)"
  BENCH_KEY=$KEY BENCH_WORKERS=$N wrk -t2 -c32 -d"$DURATION" --latency -s "$HERE/allowance.lua" "$BASE"
  # One token for each of TOKENS workers spread over the register (the same stride as
  # allowance.lua), so the own reads are for different workers, as in real use.
  TOKENS=${TOKENS:-2000}
  TOKEN_FILE=/tmp/bench-tokens-$$.txt
  for t in $(seq "$TOKENS"); do
    "$BIN" token --role worker \
      --worker-id "$(printf '00000000-0000-7000-8000-%012x' $(( t * 7919 % N )))" 2>/dev/null
  done >"$TOKEN_FILE"
  echo "== wrk /me/allowance, $TOKENS worker JWTs (own reads, no audit entry)"
  BENCH_TOKENS=$TOKEN_FILE wrk -t2 -c32 -d"$DURATION" --latency -s "$HERE/allowance.lua" "$BASE"
fi
echo "server peak RSS: $(grep VmHWM /proc/$PID/status)"
