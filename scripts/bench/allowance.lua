-- wrk script: GET /api/v1/workers/{id}/allowance?month=M over the generated workers.
--   BENCH_KEY=rk_... BENCH_WORKERS=100000 wrk -t2 -c32 -d15s --latency \
--     -s scripts/bench/allowance.lua http://127.0.0.1:8080
-- Each thread walks the workers with a stride (7919, prime), from its own offset, so
-- requests spread over the whole register and no two consecutive requests share a worker.
local n = tonumber(os.getenv("BENCH_WORKERS") or "100000")
local key = os.getenv("BENCH_KEY") or error("set BENCH_KEY")
local month = os.getenv("BENCH_MONTH") or "2026-10"
local threads = 0

function setup(thread)
  thread:set("offset", threads * 104729)
  threads = threads + 1
end

local i = 0
function init(args)
  i = offset or 0
end

function request()
  i = (i + 7919) % n
  local path = string.format(
    "/api/v1/workers/00000000-0000-7000-8000-%012x/allowance?month=%s", i, month)
  return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. key })
end
