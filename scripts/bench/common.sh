# Sourced by the bench scripts: the binary, the fixed development secrets, and starting the
# service with an admin key and the Chengdu sample policy.
#
# After sourcing: BIN (default: the release binary in $CARGO_TARGET_DIR or ./target) and the
# secrets are set. `bench_serve PORT LOG` starts `registry-api serve` on REGISTRY_DATABASE_URL
# and sets KEY (an admin key for region 000000), PID (the server), BASE (its URL), waits for
# /livez, stores the policy (its HTTP status in POLICY_STATUS) and kills the server on exit.
# `bench_cpu` prints the server's user+system clock ticks so far.
BIN=${BIN:-${CARGO_TARGET_DIR:-target}/release/registry-api}
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# Fixed development secrets, so the benchmark does not depend on key files next to the database.
export REGISTRY_DATA_KEY=${REGISTRY_DATA_KEY:-YmVuY2gtZGF0YS1rZXktYmVuY2gtZGF0YS1rZXktMzI=}
export REGISTRY_AUDIT_KEY=${REGISTRY_AUDIT_KEY:-YmVuY2gtYXVkaXQta2V5LWJlbmNoLWF1ZGl0LWstMzI=}
export REGISTRY_JWT_SECRET=${REGISTRY_JWT_SECRET:-bench-jwt-secret-bench-jwt-secret}

bench_serve() {
  local port=$1 log=$2
  export REGISTRY_RATE_LIMIT_AUTHENTICATED=off RUST_LOG=${RUST_LOG:-warn}
  KEY=$("$BIN" keys create --role admin --region 000000 --name "bench-$$" 2>/dev/null)
  "$BIN" serve --port "$port" >"$log" 2>&1 &
  PID=$!
  trap 'kill $PID 2>/dev/null || true; rm -f /tmp/bench-tokens-$$.txt' EXIT
  BASE=http://127.0.0.1:$port
  for _ in $(seq 100); do curl -sf "$BASE/livez" >/dev/null && break; sleep 0.2; done
  POLICY_STATUS=$(curl -s -o /tmp/bench-policy.json -w '%{http_code}' \
    -X POST "$BASE/api/v1/allowance-policies" -H "Authorization: Bearer $KEY" \
    -H 'Content-Type: application/json' -H "Idempotency-Key: bench-policy" \
    --data-binary @"$BENCH_DIR/../../crates/registry-core/policies/chengdu-community-monthly.json")
}

bench_cpu() { awk '{print $14 + $15}' "/proc/$PID/stat"; }
