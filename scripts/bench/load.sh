#!/usr/bin/env bash
# Loads a register written by gen_data.py into REGISTRY_DATABASE_URL and times each import.
#
#   REGISTRY_DATABASE_URL=sqlite:///tmp/bench100k.db scripts/bench/load.sh /tmp/bench100k
#   REGISTRY_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench100k scripts/bench/load.sh /tmp/bench100k
#
# BIN defaults to the release binary in $CARGO_TARGET_DIR (or ./target). Every file goes
# through `registry-api import` (the API's validation + batched inserts + one audit entry and
# the change-feed events each), in the import order of README "Moving a region", timed with
# /usr/bin/time (wall seconds, peak RSS); then the planner statistics are refreshed (ANALYZE).
set -euo pipefail
DIR=${1:?usage: load.sh DIR}
URL=${REGISTRY_DATABASE_URL:?set REGISTRY_DATABASE_URL}
export REGISTRY_DATABASE_URL
# BIN and the fixed development secrets (run.sh and the export use the same).
source "$(cd "$(dirname "$0")" && pwd)/common.sh"

"$BIN" migrate
for e in units posts workers credentials registrations assignments appraisals credit_entries; do
  /usr/bin/time -f "import $e: %e s wall, %M KB max RSS" "$BIN" import "$e" "$DIR/$e.csv" \
    2>&1 >/dev/null | grep -v '^writing ' | tail -n 3
done

case "$URL" in
  sqlite://*)
    DB=${URL#sqlite://}
    DB=${DB%%\?*}
    sqlite3 "$DB" 'ANALYZE;'
    ;;
  postgres*) psql -q -v ON_ERROR_STOP=1 "$URL" -c 'ANALYZE;' ;;
  *) echo "unsupported URL" >&2; exit 2 ;;
esac
echo "loaded $DIR"
