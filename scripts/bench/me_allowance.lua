-- wrk script: GET /api/v1/me/allowance?month=M as many different workers, one worker JWT
-- per line of BENCH_TOKENS (run.sh writes them with `registry-api token`).
--   BENCH_TOKENS=/tmp/bench-tokens.txt wrk -t2 -c32 -d15s --latency \
--     -s scripts/bench/me_allowance.lua http://127.0.0.1:8080
-- Each thread walks the tokens with a stride (prime) from its own offset, so consecutive
-- requests are for different workers (requests for one worker would read the same pages).
local path = os.getenv("BENCH_TOKENS") or error("set BENCH_TOKENS")
local month = os.getenv("BENCH_MONTH") or "2026-10"
local threads = 0

function setup(thread)
  thread:set("offset", threads * 499)
  threads = threads + 1
end

local tokens = {}
local i = 0
function init(args)
  for line in io.lines(path) do
    if #line > 0 then tokens[#tokens + 1] = line end
  end
  if #tokens == 0 then error("no tokens in " .. path) end
  i = offset or 0
end

function request()
  i = (i + 7919) % #tokens
  return wrk.format("GET", "/api/v1/me/allowance?month=" .. month,
    { ["Authorization"] = "Bearer " .. tokens[i + 1] })
end
