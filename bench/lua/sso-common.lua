-- Shared by the single sign-on scripts (sso-token.lua, sso-refresh.lua): per-thread ids, a wall clock, what
-- each thread got back, and a done() that prints one RESULT line with the count of answers that carried tokens.
-- A thread whose prepared codes or refresh chains run out stops; its elapsed time ends at its last answer, so
-- the rate is right even though wrk itself waits out -d. The requests its other connections still had in flight
-- are served but not counted: about one a connection, 16 of the 1,000–2,000 of a measured round.
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
  int clock_gettime(int clk_id, bench_timespec *tp);
]]
local ts = ffi.new("bench_timespec")
function now_s()
  ffi.C.clock_gettime(1, ts)  -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) / 1e9
end

-- setup() (per-thread ids, kept in `threads`) and read_lines(); done() is this file's own, below.
dofile(os.getenv("BENCH_LUA") .. "/common.lua")

ok, bad, first_s, last_s, stopped = 0, 0, 0, 0, 0

-- A thread with nothing left to send: stop it, and send one cheap request that is not counted.
function finish()
  stopped = 1
  wrk.thread:stop()
  return wrk.format("GET", "/health/live", {}, nil)
end

function count(status, body)
  if status == 200 and body and body:find('"access_token"', 1, true) then ok = ok + 1 else bad = bad + 1 end
  last_s = now_s()
end

function done(summary, latency, requests)
  local n_ok, n_bad, t0, t1 = 0, 0, math.huge, 0
  for _, t in ipairs(threads) do
    n_ok = n_ok + t:get("ok")
    n_bad = n_bad + t:get("bad")
    if t:get("first_s") > 0 then t0 = math.min(t0, t:get("first_s")) end
    t1 = math.max(t1, t:get("last_s"))
  end
  local elapsed = (t1 > t0) and (t1 - t0) or (summary.duration / 1e6)
  local e = summary.errors
  io.write(string.format(
    "RESULT rps=%.1f p50=%.2f p95=%.2f p99=%.2f max=%.2f n=%d ok=%d failed=%d elapsed_s=%.2f non2xx=%d errors=%d\n",
    n_ok / elapsed, latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, summary.requests, n_ok, n_bad, elapsed, e.status, e.connect + e.read + e.write + e.timeout))
end
