-- wrk script: single-worker decisions over the generated workers, in one of two ways:
-- - BENCH_KEY (an admin key): GET /api/v1/workers/{id}/allowance?month=M over BENCH_WORKERS
--   workers (every read by an admin also writes an audit entry);
--     BENCH_KEY=rk_... BENCH_WORKERS=100000 wrk -t2 -c32 -d15s --latency \
--       -s scripts/bench/allowance.lua http://127.0.0.1:8080
-- - BENCH_TOKENS (a file with one worker JWT per line, as run.sh writes them with
--   `registry-api token`): GET /api/v1/me/allowance?month=M as each of those workers (a
--   worker's own read, no audit entry).
-- Each thread walks the workers (or tokens) with a stride (7919, prime), from its own offset,
-- so requests spread over the register and no two consecutive requests share a worker.
local tokens_file = os.getenv("BENCH_TOKENS")
local key = os.getenv("BENCH_KEY")
local n = tonumber(os.getenv("BENCH_WORKERS") or "100000")
local month = os.getenv("BENCH_MONTH") or "2026-10"
if not tokens_file and not key then error("set BENCH_KEY or BENCH_TOKENS") end
local threads = 0

function setup(thread)
  thread:set("offset", threads * 104729)
  threads = threads + 1
end

local tokens = {}
local i = 0
function init(args)
  if tokens_file then
    for line in io.lines(tokens_file) do
      if #line > 0 then tokens[#tokens + 1] = line end
    end
    if #tokens == 0 then error("no tokens in " .. tokens_file) end
    n = #tokens
  end
  i = (offset or 0) % n
end

function request()
  i = (i + 7919) % n
  if tokens_file then
    return wrk.format("GET", "/api/v1/me/allowance?month=" .. month,
      { ["Authorization"] = "Bearer " .. tokens[i + 1] })
  end
  local path = string.format(
    "/api/v1/workers/00000000-0000-7000-8000-%012x/allowance?month=%s", i, month)
  return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. key })
end
