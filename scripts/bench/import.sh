#!/usr/bin/env bash
# Times the import of some kinds into a fresh database (BENCHMARKS.md: the issue's import
# target is "workers credentials"): migrate, import units and posts untimed, then each kind of
# KINDS timed with /usr/bin/time (wall seconds, peak RSS).
#
#   BIN=target/release/registry-api URL=sqlite KINDS="workers credentials" scripts/bench/import.sh
#   BIN=... URL=postgres DIR=/tmp/bench1m scripts/bench/import.sh
#
# URL=sqlite: /tmp/import.db, removed first. URL=postgres: the database `bench_import` on the
# local server (postgres://postgres@127.0.0.1:5432), dropped and created first.
set -euo pipefail
source "$(cd "$(dirname "$0")" && pwd)/common.sh"
DIR=${DIR:-/tmp/bench100k}
KINDS=${KINDS:-workers credentials registrations}
case "${URL:?set URL=sqlite or URL=postgres}" in
  postgres*)
    psql -q -h 127.0.0.1 -U postgres -d test \
      -c "DROP DATABASE IF EXISTS bench_import" -c "CREATE DATABASE bench_import"
    export REGISTRY_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_import ;;
  sqlite*)
    rm -f /tmp/import.db /tmp/import.db-wal /tmp/import.db-shm /tmp/import.db-audit-reads*
    export REGISTRY_DATABASE_URL=sqlite:///tmp/import.db ;;
  *) echo "URL must be sqlite or postgres" >&2; exit 1 ;;
esac
"$BIN" migrate >/dev/null 2>&1
for e in units posts; do "$BIN" import "$e" "$DIR/$e.csv" >/dev/null 2>&1; done
for e in $KINDS; do
  /usr/bin/time -f "import $e: %e s wall, %M KB max RSS" "$BIN" import "$e" "$DIR/$e.csv" \
    2>&1 >/dev/null | tail -n 1
done
