#!/usr/bin/env bash
# One round of single-worker decisions on a fresh copy of a SQLite register (BENCHMARKS.md,
# sessions 9-10): serve, store the Chengdu sample policy, 3 s of wrk to warm up, then
# wrk -t2 -c32 -d$DUR --latency on
#   MODE=own   GET /api/v1/me/allowance as 2,000 workers (their JWTs; no audit entry), or
#   MODE=admin GET /api/v1/workers/{id}/allowance with an admin key (each read audited),
# and prints requests/s, p50, p99, the server's CPU ticks during the round, its peak RSS and
# its RSS at the end, split into anonymous memory and mapped file pages.
# PERF=1 also records the server with perf (-F 999 -g, 5 s from 3 s into the round) into
# /tmp/perf-$MODE.data; PERF_CALLGRAPH="--call-graph dwarf" for call graphs through code built
# without frame pointers (the release build).
#
#   BIN=target/release/registry-api PRISTINE=/tmp/bench100k-pristine.db MODE=admin \
#     scripts/bench/decisions.sh
#
# PRISTINE: a register as load.sh left it, checkpointed (`PRAGMA wal_checkpoint(TRUNCATE)`);
# it is copied to /tmp/decisions.db first, so every round starts from the same file.
set -euo pipefail
source "$(cd "$(dirname "$0")" && pwd)/common.sh"
PRISTINE=${PRISTINE:-/tmp/bench100k-pristine.db}
N=${N:-100000}
MODE=${MODE:-own}
DUR=${DUR:-10s}
DB=/tmp/decisions.db
rm -f "$DB" "$DB"-wal "$DB"-shm "$DB"-audit-reads*
cp "$PRISTINE" "$DB"
export REGISTRY_DATABASE_URL=sqlite://$DB
bench_serve "${PORT:-8093}" /tmp/decisions-serve.log
# The worker JWTs are made once (2,000 `registry-api token` calls) and kept for later rounds.
TOKENS=/tmp/decisions-tokens-$N.txt
if [ "$MODE" = own ] && [ ! -s "$TOKENS" ]; then
  for t in $(seq 2000); do
    "$BIN" token --role worker \
      --worker-id "$(printf '00000000-0000-7000-8000-%012x' $(( t * 7919 % N )))" 2>/dev/null
  done >"$TOKENS"
fi
if [ "$MODE" = own ]; then export BENCH_TOKENS=$TOKENS; else export BENCH_KEY=$KEY BENCH_WORKERS=$N; fi
wrk -t2 -c32 -d3s -s "$BENCH_DIR/allowance.lua" "$BASE" >/dev/null
PERF_PID=
if [ "${PERF:-}" = 1 ]; then
  (sleep 3; perf record -F 999 ${PERF_CALLGRAPH:--g} -o "/tmp/perf-$MODE.data" -p "$PID" -- sleep 5 >/dev/null 2>&1) &
  PERF_PID=$!
fi
CPU0=$(bench_cpu)
wrk -t2 -c32 -d"$DUR" --latency -s "$BENCH_DIR/allowance.lua" "$BASE" | grep -E "Requests/sec| 50%| 99%|Non-2xx"
echo "server CPU during the round: $(( ($(bench_cpu) - CPU0) * 1000 / $(getconf CLK_TCK) )) ms"
if [ -n "$PERF_PID" ]; then wait "$PERF_PID" || true; fi
echo "server peak RSS: $(grep VmHWM /proc/$PID/status)"
# Of the RSS now: the process's own memory (RssAnon) and mapped file pages (RssFile: the
# readers' memory map of the register, BENCHMARKS.md session 13, and the binary).
echo "server RSS now: $(grep -E 'RssAnon|RssFile' /proc/$PID/status | tr -s ' \t' ' ' | tr '\n' ' ')"
