-- Sign-in step 2: POST /api/v1/login/{id}/verify with the code, each prepared challenge used once.
dofile(os.getenv("BENCH_LUA") .. "/common.lua")
local pairs_, i, step
function init(args)
  pairs_ = read_lines(os.getenv("BENCH_CHALLENGES"))
  step = tonumber(os.getenv("BENCH_THREADS") or "2")
  i = (tid or 0) + 1
end
function request()
  local line = pairs_[((i - 1) % #pairs_) + 1]
  i = i + step
  local id, code = line:match("^(%S+)%s+(%d+)")
  return wrk.format("POST", "/api/v1/login/" .. id .. "/verify", {["Content-Type"] = "application/json"},
                    '{"code":"' .. code .. '"}')
end
